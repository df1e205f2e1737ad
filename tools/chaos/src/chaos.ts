import { spawnSync } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Fault } from '@vidgen/testing';
import { checkJobs, isTerminal, processesIn, readRecords, scratchLeft, waitAllTerminal } from './checks';
import { startSuiteStack, type SuiteWorker } from './harness';
import { seededRandom, shortJob, sleep, submit } from './jobs';
import { monitorRedis, type MonitorConnection } from './monitor';
import { finish, parseSuiteArgs } from './report';

/**
 * `pnpm chaos [--quick] [--seed n]`: short jobs through 3 workers while the
 * suite SIGKILLs workers at random moments (some right after a job's
 * completion transition, before the progress run ends), SIGKILLs Redis and
 * starts it again on its append-only file, has the S3 proxy inject 503s,
 * connection resets and slow bodies (then 403 for a few jobs), and SIGTERMs a
 * worker mid-job. Then it checks the invariants (checks.ts) and what is left
 * behind. Exit 1 only on a broken invariant, never on a timing.
 */

const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);

interface Plan {
  jobs: number;
  randomKills: number;
  completionKills: number;
  forbiddenJobs: number;
  inFlight: number;
  /** A cap on the wait for the jobs to end; stuck jobs (nothing moves for 3 min) end it sooner. */
  settleMs: number;
}

const PLANS: Record<'quick' | 'full', Plan> = {
  quick: { jobs: 30, randomKills: 3, completionKills: 2, forbiddenJobs: 2, inFlight: 6, settleMs: 30 * 60_000 },
  full: { jobs: 200, randomKills: 12, completionKills: 6, forbiddenJobs: 5, inFlight: 6, settleMs: 60 * 60_000 },
};

/** The job id in a job-store key (`<prefix>:job:{<id>}`). */
const jobIdOfKey = (key: string) => /:job:\{([^}]+)\}$/.exec(key)?.[1] ?? null;

async function main(): Promise<number> {
  const { quick, seed } = parseSuiteArgs(process.argv.slice(2));
  const mode = quick ? 'quick' : 'full';
  const plan = PLANS[mode];
  const random = seededRandom(seed);
  const started = Date.now();
  const narration = spawnSync('espeak-ng', ['--version'], { stdio: 'ignore' }).status === 0;
  const violations: string[] = [];

  // The S3 fault plan: 403 for the chosen jobs' keys; 503, resets and slow bodies on a share of the writes while faults are on.
  const forbidden = new Set<string>();
  let faultsOn = true;
  const injected = { slowdown: 0, reset: 0, slow: 0, forbidden: 0 };
  const faults = (req: IncomingMessage): Fault => {
    const url = req.url ?? '';
    for (const id of forbidden) {
      if (url.includes(id)) {
        injected.forbidden += 1;
        return { status: 403, code: 'AccessDenied' };
      }
    }
    if (!faultsOn || (req.method !== 'PUT' && req.method !== 'POST')) return 'pass';
    const r = Math.random();
    if (r < 0.04) return (injected.slowdown++, { status: 503, code: 'SlowDown' });
    if (r < 0.06) return (injected.reset++, 'reset');
    if (r < 0.09) return (injected.slow++, { slowBody: { chunkBytes: 16 * 1024, pauseMs: 25 } });
    return 'pass';
  };

  const stack = await startSuiteStack({
    name: 'chaos',
    workers: 3,
    faults,
    env: {
      // Dead workers' jobs come back within seconds; a job may stall many times here without failing for it.
      BULL_LOCK_DURATION_MS: '4000',
      BULL_STALLED_INTERVAL_MS: '2000',
      BULL_MAX_STALLED_COUNT: '10',
      JOB_ATTEMPTS: '5',
      JOB_BACKOFF_MS: '300',
      S3_RETRY_BASE_DELAY_MS: '100',
      S3_RETRY_MAX_DELAY_MS: '1000',
      SCRATCH_JANITOR_INTERVAL_MS: '2000',
      WORKER_SHUTDOWN_GRACE_MS: '1000',
      WEBHOOK_MAX_ATTEMPTS: '20',
      NARRATION_ENABLED: String(narration),
    },
  });
  log(`stack up in ${stack.dir} (seed ${seed}, ${plan.jobs} jobs)`);

  const acked: Array<{ id: string; at: number }> = [];
  let refused = 0;
  const lost: string[] = [];
  const events: string[] = [];
  const note = (e: string) => (events.push(`${((Date.now() - started) / 1000).toFixed(1)} s: ${e}`), log(e));
  let randomKills = 0;
  let completionKills = 0;
  let sigtermExit: number | null | 'none' = 'none';
  let redisDownMs = 0;
  let windowAcks = 0;

  const live = () => stack.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
  // A worker SIGTERMed by the suite is draining: no fault may kill it too, or its exit code (the invariant) is the fault's.
  const stopping = new Set<SuiteWorker>();
  const killable = () => live().filter((w) => !stopping.has(w));
  const replace = async (w: SuiteWorker, how: string) => {
    note(`${how} ${w.name} (job ${w.currentJob() ?? 'none'})`);
    // Not an invariant: a start that times out on a loaded machine is a timing; the other workers carry on.
    await stack.startWorker().catch((err: Error) => note(`a replacement worker did not start: ${err.message.split('\n')[0]}`));
  };

  // Completion kills: MONITOR on the private Redis shows the completion transition the moment it runs;
  // the worker that ran it is SIGKILLed before it gets to the webhook enqueue and the progress finish.
  let armed = 0;
  let monitor: MonitorConnection | null = null;
  const unwatch = () => {
    monitor?.close();
    monitor = null;
  };
  const watch = async () => {
    unwatch();
    // Closed before the Redis crash and opened again after the restart.
    monitor = await monitorRedis(stack.redisPort, (args) => {
      if (armed === 0 || !/^evalsha$|^eval$/i.test(args[0] ?? '') || args[6] !== 'completed' || args[5] !== 'processing') return;
      const id = jobIdOfKey(args[3] ?? '');
      const victim = killable().find((w) => w.currentJob() === id);
      if (!id || !victim) return;
      armed -= 1;
      completionKills += 1;
      victim.child.kill('SIGKILL');
      void replace(victim, 'SIGKILL right after the completion transition of');
    });
  };
  await watch();

  const at = (share: number) => Math.floor(plan.jobs * share);
  const killPoints = Array.from({ length: plan.randomKills }, (_, k) => at(0.1 + (0.8 * (k + random())) / plan.randomKills));
  const armPoints = Array.from({ length: plan.completionKills }, (_, k) => at(0.15 + (0.7 * (k + 0.5)) / plan.completionKills));
  const redisPoint = at(0.5);
  const sigtermPoint = at(0.7);
  const forbiddenFrom = at(0.8);

  let open = 0;
  const refreshOpen = async () => {
    const records = await readRecords(stack, acked.map((a) => a.id)).catch(() => null);
    if (records) open = [...records.values()].filter((r) => r && !isTerminal(r.status)).length;
  };
  const busyWorker = () => {
    const busy = killable().filter((w) => w.currentJob() !== null);
    return busy.length ? busy[Math.floor(random() * busy.length)]! : null;
  };

  for (let i = 0; i < plan.jobs; ) {
    // Replacements that failed to start (a timing on a loaded machine) are tried again: never run out of workers.
    if (live().length < 3) await replace({ name: 'a failed replacement', currentJob: () => null } as SuiteWorker, 'starting again');
    await refreshOpen();
    if (open >= plan.inFlight) {
      await sleep(300);
      continue;
    }
    if (i >= redisPoint && redisDownMs === 0) {
      // A burst of submissions, then the crash within the everysec window.
      const burst = await Promise.all(Array.from({ length: 4 }, (_, b) => submit(stack.api.healthUrl, shortJob(i + b, random, narration), stack.receiver.url)));
      for (const s of burst) if (s.ok) acked.push({ id: s.jobId, at: s.at });
      i += burst.length;
      const killAt = Date.now();
      unwatch();
      await stack.killRedis();
      windowAcks = acked.filter((a) => a.at >= killAt - 1000).length;
      note(`SIGKILL redis (${windowAcks} acknowledged submissions in its last second)`);
      await sleep(1500);
      await stack.restartRedis();
      redisDownMs = Date.now() - killAt;
      note(`redis back after ${redisDownMs} ms`);
      await watch();
      // Acknowledged jobs the crash took: no record, or a record that no Bull job will ever run.
      for (const a of acked) {
        const r = await stack.store.get(a.id);
        const inQueue = r ? (await stack.redis.exists(`${stack.prefix}:video-generation:${a.id}`)) === 1 : false;
        if (!r || (!isTerminal(r.status) && !inQueue)) lost.push(a.id);
      }
      if (lost.length) note(`${lost.length} acknowledged submission(s) lost across the crash`);
      continue;
    }
    const s = await submit(stack.api.healthUrl, shortJob(i, random, narration), stack.receiver.url);
    if (!s.ok) {
      refused += 1;
      await sleep(500);
      continue;
    }
    acked.push({ id: s.jobId, at: s.at });
    if (i >= forbiddenFrom && forbidden.size < plan.forbiddenJobs) forbidden.add(s.jobId);
    i += 1;
    while (killPoints.length && i >= killPoints[0]!) {
      const victim = busyWorker();
      if (!victim) break;
      killPoints.shift();
      victim.child.kill('SIGKILL');
      randomKills += 1;
      await replace(victim, 'SIGKILL');
    }
    while (armPoints.length && i >= armPoints[0]!) (armPoints.shift(), (armed += 1));
    if (i >= sigtermPoint && sigtermExit === 'none') {
      const victim = busyWorker();
      if (victim) {
        note(`SIGTERM ${victim.name} (job ${victim.currentJob()})`);
        stopping.add(victim);
        sigtermExit = (await victim.stop('SIGTERM')).code;
        if (sigtermExit !== 0) violations.push(`a worker SIGTERMed mid-job exited with ${sigtermExit}, not 0`);
        await replace(victim, 'replaced the SIGTERMed');
      }
    }
    await sleep(100 + random() * 400);
  }
  armed = 0;
  note(`all ${acked.length} submissions acknowledged; waiting for the jobs to end`);
  const tracked = acked.map((a) => a.id).filter((id) => !lost.includes(id));
  const settleFrom = Date.now();
  await waitAllTerminal(stack, tracked, {
    stuckAfterMs: 3 * 60_000,
    capMs: plan.settleMs,
    // After two minutes, let the stragglers through without faults (the 403s stay).
    onPoll: () => void (Date.now() - settleFrom > 120_000 && (faultsOn = false)),
  });
  // Webhooks of the last jobs (their deliveries retry with backoff).
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const withEvent = new Set(stack.receiver.deliveries.map((d) => d.job_id));
    if (tracked.every((id) => withEvent.has(id))) break;
    await sleep(500);
  }
  unwatch();
  const findings = await checkJobs(stack, tracked);
  violations.push(...findings.violations);

  // 403: failed, without retries, in few requests.
  const forbiddenRequests = [...forbidden].map((id) => stack.proxy.requests.filter((r) => r.url.includes(id)).length);
  const forbiddenRecords = await readRecords(stack, [...forbidden]);
  for (const [id, r] of forbiddenRecords) {
    if (r?.status !== 'failed' || r.attempt !== 1) violations.push(`403 job ${id} ended ${r?.status} after ${r?.attempt} attempt(s), not failed on its first`);
  }
  const maxForbidden = Math.max(0, ...forbiddenRequests);
  if (maxForbidden > 16) violations.push(`a 403 job made ${maxForbidden} S3 requests (more than one round of its uploads: it retried)`);

  // Left behind: only the live workers' own (empty) scratch dirs while they run, nothing after they stop.
  const liveDirs = new Set(live().map((w) => `worker-${w.child.pid}-`));
  const isLiveDir = (e: string) => [...liveDirs].some((p) => e.startsWith(p) && !e.includes('/'));
  let scratchWhileRunning: string[] = [];
  const scratchDeadline = Date.now() + 15000;
  do {
    scratchWhileRunning = (await scratchLeft(stack.scratchDir)).filter((e) => !isLiveDir(e));
    if (scratchWhileRunning.length === 0) break;
    await sleep(1000);
  } while (Date.now() < scratchDeadline);
  if (scratchWhileRunning.length) violations.push(`scratch left while the workers run: ${scratchWhileRunning.slice(0, 5).join(', ')}`);
  for (const w of live()) {
    const { code } = await w.stop('SIGTERM');
    if (code !== 0) violations.push(`${w.name} exited with ${code} on SIGTERM`);
  }
  const scratchAfter = await scratchLeft(stack.scratchDir);
  if (scratchAfter.length) violations.push(`scratch left after the workers stopped: ${scratchAfter.slice(0, 5).join(', ')}`);
  const procs = (await processesIn(stack.dir)).filter((p) => !/redis-server|node$/.test(p.argv0));
  if (procs.length) violations.push(`processes left in the run dir: ${procs.map((p) => `${p.argv0}(${p.pid})`).join(', ')}`);
  const settled = stack.workers.reduce((n, w) => n + w.logLines().filter((l) => l.message === 'ended job settled after a re-delivery').length, 0);

  const figures = {
    seed,
    jobs: plan.jobs,
    acknowledged: acked.length,
    refused_submissions: refused,
    completed: findings.completed,
    failed: findings.failed,
    not_terminal: findings.notTerminal.length,
    failure_codes: findings.failureCodes,
    lost_acknowledged: lost.length,
    acknowledged_in_last_second_before_crash: windowAcks,
    redis_down_ms: redisDownMs,
    worker_sigkills: randomKills,
    completion_kills: completionKills,
    ended_jobs_settled_after_redelivery: settled,
    sigterm_exit_code: sigtermExit === 'none' ? null : sigtermExit,
    workers_started: stack.workers.length,
    s3_requests: stack.proxy.requests.length,
    s3_faults: injected,
    forbidden_jobs: forbidden.size,
    forbidden_max_s3_requests: maxForbidden,
    webhook_deliveries: stack.receiver.deliveries.length,
    scratch_left: scratchAfter.length + scratchWhileRunning.length,
    processes_left: procs.length,
    duration_s: Math.round((Date.now() - started) / 1000),
  };
  const notes = [
    `Seed ${seed}; ${plan.jobs} short jobs through 3 workers (shared scratch dir), a private redis-server (AOF, fsync everysec), s3rver behind a fault proxy.`,
    `Lost acknowledged submissions are counted, not a failure: with \`appendfsync everysec\` a Redis crash loses up to about one second of acknowledged writes (docs/operations.md).`,
    '## Events',
    events.map((e) => `- ${e}`).join('\n'),
  ];
  await stack.stop();
  return finish({ suite: 'chaos', mode, figures, violations, notes });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[chaos] failed to run: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);
