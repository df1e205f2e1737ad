import { isTerminal, processesIn, readRecords, scratchLeft, checkJobs } from './checks';
import { startSuiteStack } from './harness';
import { keyKinds, unexpectedKeys } from './redis-keys';
import { seededRandom, shortJob, sleep, submit } from './jobs';
import { finish, parseSuiteArgs } from './report';
import { growthOf, sampleProcesses, type ProcessSample, type Sampled } from './sampler';
import { soakUpload } from './upload-soak';

/**
 * `pnpm soak [--quick] [--seed n]`: many short jobs through 2 workers, a few
 * at a time, while every process (API, workers) is sampled every few seconds:
 * RSS, heap, open fds, child processes, and the scratch dirs. Then one
 * video-sized upload through S3UploadManager under injected faults
 * (upload-soak.ts). Exit 1 only on a broken invariant, never on a timing.
 */

const log = (line: string) => process.stderr.write(`[soak] ${line}\n`);
const ADMIN_KEY = 'soak-admin-key-0123456789';
const RSS_GROWTH_LIMIT_MB = 20;

async function main(): Promise<number> {
  const { quick, seed } = parseSuiteArgs(process.argv.slice(2));
  const mode = quick ? 'quick' : 'full';
  const jobs = quick ? 150 : 1000;
  const random = seededRandom(seed);
  const started = Date.now();
  const violations: string[] = [];

  const stack = await startSuiteStack({
    name: 'soak',
    workers: 2,
    env: { LOG_LEVEL: 'warn', ADMIN_API_KEY: ADMIN_KEY, SCRATCH_JANITOR_INTERVAL_MS: '5000' },
  });
  log(`stack up in ${stack.dir} (seed ${seed}, ${jobs} jobs)`);
  const scrape = (url: string, auth?: string) => async () => {
    const res = await fetch(`${url}/metrics`, auth ? { headers: { authorization: `Bearer ${auth}` } } : undefined);
    return res.ok ? res.text() : null;
  };
  const targets: Sampled[] = [
    { name: 'api', pid: stack.api.child.pid!, metrics: scrape(stack.api.healthUrl, ADMIN_KEY) },
    ...stack.workers.map((w) => ({ name: w.name, pid: w.child.pid!, metrics: scrape(w.healthUrl) })),
  ];

  const acked: string[] = [];
  let ended = 0;
  let maxScratch = 0;
  const samples: ProcessSample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push(...(await sampleProcesses(targets, Math.round((Date.now() - started) / 1000), ended)));
      maxScratch = Math.max(maxScratch, (await scratchLeft(stack.scratchDir)).length);
      await sleep(3000);
    }
  })();

  // A few jobs in flight at a time (4 for 2 workers), until all are submitted and ended.
  let submitted = 0;
  let refused = 0;
  let reported = 0;
  // Stuck (nothing ends for 5 min) is a broken invariant; slow is not.
  let endedAt = Date.now();
  while (ended < jobs) {
    const records = await readRecords(stack, acked);
    const now = [...records.values()].filter((r) => r && isTerminal(r.status)).length;
    if (now !== ended) endedAt = Date.now();
    ended = now;
    const open = acked.length - ended;
    if (submitted < jobs && open < 4) {
      const s = await submit(stack.api.healthUrl, shortJob(submitted, random, false), stack.receiver.url);
      if (s.ok) (acked.push(s.jobId), (submitted += 1));
      else refused += 1;
      continue;
    }
    if (open > 0 && Date.now() - endedAt > 5 * 60_000) {
      violations.push(`no job ended for 5 minutes with ${open} open: stuck`);
      break;
    }
    await sleep(500);
    if (ended >= reported + 25) log(`${(reported = ended)}/${jobs} ended`);
  }
  log('all jobs ended; letting the workers go idle');
  await sleep(8000);
  sampling = false;
  await sampler;
  const idle = await sampleProcesses(targets, Math.round((Date.now() - started) / 1000), ended);

  const growth = targets.map((t) => growthOf(samples, t.name, jobs, idle.find((s) => s.name === t.name)!));
  // RSS over the target breaks the invariant in the full mode. 150 jobs are too few to tell a leak from the
  // allocator settling (quick runs saw a worker's RSS step up 10-30 MB late with heap and external memory flat),
  // so the quick mode reports it as a warning and leaves the verdict to the full run.
  const warnings: string[] = [];
  const FD_SLACK = 2;
  for (const g of growth) {
    if (g.rssGrowthMb > RSS_GROWTH_LIMIT_MB) (quick ? warnings : violations).push(`${g.name}: RSS grew ${g.rssGrowthMb} MB over the last 80% of the jobs (${g.rssStartMb} → ${g.rssEndMb} MB; heap ${g.heapStartMb} → ${g.heapEndMb} MB; limit ${RSS_GROWTH_LIMIT_MB})`);
    // A leak grows with the jobs; one or two sockets more (a keep-alive connection still open when idle) is not growth.
    if (g.fdsEnd > g.fdsStart + FD_SLACK) violations.push(`${g.name}: ${g.fdsEnd} open fds when idle at the end, more than the ${g.fdsStart} (+${FD_SLACK}) while working at 20–30%`);
    if (g.childrenEnd > 0) violations.push(`${g.name}: ${g.childrenEnd} child process(es) left when idle`);
  }
  const findings = await checkJobs(stack, acked);
  violations.push(...findings.violations);
  const scratch = await scratchLeft(stack.scratchDir);
  const liveDirs = stack.workers.map((w) => `worker-${w.child.pid}-`);
  const strayScratch = scratch.filter((e) => !liveDirs.some((p) => e.startsWith(p) && !e.includes('/')));
  if (strayScratch.length) violations.push(`scratch dirs left: ${strayScratch.slice(0, 5).join(', ')}`);
  const procs = (await processesIn(stack.dir)).filter((p) => !/redis-server|node$/.test(p.argv0));
  if (procs.length) violations.push(`processes left in the run dir: ${procs.map((p) => p.argv0).join(', ')}`);

  // Redis: the retained records of the jobs only (and Bull's own counters), no Bull job left behind.
  const kinds = await keyKinds(stack.redis, stack.prefix, new Set(acked));
  for (const [kind, count] of unexpectedKeys(kinds, jobs)) violations.push(`redis: ${count} key(s) of kind ${kind} left after every job ended`);

  log('one video-sized upload under injected faults');
  const upload = await soakUpload({ quick, stackDir: stack.dir });
  violations.push(...upload.violations);

  const worker = growth.filter((g) => g.name !== 'api');
  const figures = {
    seed,
    jobs,
    completed: findings.completed,
    failed: findings.failed,
    refused_submissions: refused,
    samples: samples.length,
    rss_growth_mb: Object.fromEntries(growth.map((g) => [g.name, g.rssGrowthMb])),
    rss_target_met: growth.every((g) => g.rssGrowthMb <= RSS_GROWTH_LIMIT_MB),
    rss_end_mb: Object.fromEntries(growth.map((g) => [g.name, g.rssEndMb])),
    heap_mb: Object.fromEntries(growth.map((g) => [g.name, [g.heapStartMb, g.heapEndMb]])),
    fds_start_end: Object.fromEntries(growth.map((g) => [g.name, [g.fdsStart, g.fdsEnd]])),
    children_end: worker.reduce((n, g) => n + g.childrenEnd, 0),
    max_scratch_entries: maxScratch,
    scratch_left: strayScratch.length,
    redis_key_kinds: kinds,
    upload: upload.figures,
    duration_s: Math.round((Date.now() - started) / 1000),
  };
  const notes = [
    `Seed ${seed}; ${jobs} short jobs through 2 workers, 4 in flight; every process sampled every 3 s (RSS and fds from /proc, heap from /metrics). Growth is the median of the samples at 90–100% of the jobs minus the median at 20–30%; the target is ≤ ${RSS_GROWTH_LIMIT_MB} MB per process.`,
    upload.note,
    'Every sample (RSS, heap, external memory, fds, children per process) is in the JSON file next to this report.',
    ...(warnings.length ? ['## Warnings (quick mode: reported, not enforced)', warnings.map((w) => `- ${w}`).join('\n')] : []),
  ];
  for (const w of warnings) log(`WARNING: ${w}`);
  await stack.stop();
  return finish({ suite: 'soak', mode, figures, violations, notes, data: { samples, idle } });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`[soak] failed to run: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);
