/**
 * pnpm scale [--quick]: how the system grows with workers, and how the API
 * holds up with a deep queue.
 *
 *  1. Jobs per minute for a fixed mix of short jobs (low quality, one or two
 *     scenes of 2 s, MP4 only) with 1, 2 and 4 worker processes, each at
 *     WORKER_CONCURRENCY 1 and 2 (--quick: 1 and 2 workers at concurrency 1,
 *     fewer jobs). The rate is jobs completed over the time from the first
 *     submit to the last completion.
 *  2. With the workers gone: GET (a completed job), list and submit p99 on an
 *     empty queue, then again with 10,000 waiting jobs (--quick: 1,000).
 *     Target (issue 21): each p99 within 1.2x of its empty-queue value.
 *
 * Exits non-zero only on a broken invariant (a job that did not complete,
 * non-2xx answers, connection errors), never on a timing. Prints one JSON line
 * and writes reports/scale.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Redis from 'ioredis';
import { JobStore, createVideoQueue, readQueueStats } from '@vidgen/queue';
import { brokenInvariants, cannon, ratio, type Measured } from './cannon';
import { API, SUBMIT_BODY, post, seedReader } from './fixtures';
import { parseCommandStats, usecBetween } from './redis-stats';
import { READER, REPORTS_DIR, WRITER, cpuMs, machine, startSuiteStack, stopChild, type SuiteStack } from './processes';

const CONNECTIONS = 16;
const DEEP_TARGET = 1.2;

/** The fixed mix, submitted round-robin: short, cheap, and the same in every configuration. */
const MIX = [
  { topic: 'One scene', quality: 'low', formats: ['mp4'], scenes: [{ title: 'Tides', text: 'The moon pulls on the oceans.', duration_seconds: 2 }] },
  {
    topic: 'Two scenes',
    quality: 'low',
    formats: ['mp4'],
    scenes: [
      { title: 'Light', text: 'Sunlight scatters off air molecules.', duration_seconds: 2 },
      { text: 'Blue light scatters most.', duration_seconds: 2 },
    ],
  },
];

interface Mode {
  name: 'quick' | 'full';
  workers: number[];
  concurrency: number[];
  jobs: number;
  deepJobs: number;
  seconds: number;
  submitAmount: number;
  jobTimeoutMs: number;
}

const MODES: Record<Mode['name'], Mode> = {
  quick: { name: 'quick', workers: [1, 2], concurrency: [1], jobs: 3, deepJobs: 1000, seconds: 3, submitAmount: 300, jobTimeoutMs: 180_000 },
  full: { name: 'full', workers: [1, 2, 4], concurrency: [1, 2], jobs: 16, deepJobs: 10_000, seconds: 10, submitAmount: 2000, jobTimeoutMs: 600_000 },
};

interface Point {
  workers: number;
  concurrency: number;
  slots: number;
  jobs: number;
  completed: number;
  elapsed_s: number;
  jobs_per_min: number;
  /** Against 1 worker at the same concurrency. */
  speedup: number | null;
  loadavg_1m: number;
}

async function runJobs(suite: SuiteStack, mode: Mode, workers: number, concurrency: number, problems: string[]): Promise<Omit<Point, 'speedup'>> {
  const children = await suite.spawnWorkers(workers, { WORKER_CONCURRENCY: String(concurrency) });
  const redis = new Redis(suite.redisUrl);
  try {
    const store = new JobStore(redis, suite.prefix);
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < mode.jobs; i++) {
      const r = await post(`${suite.stack.apiUrl}${API}/generate`, JSON.stringify({ configuration: MIX[i % MIX.length] }), { authorization: `Bearer ${WRITER.key}` });
      if (r.status !== 202) throw new Error(`submit answered ${r.status}: ${JSON.stringify(r.json)}`);
      ids.push(String(r.json.job_id));
    }
    const deadline = started + mode.jobTimeoutMs;
    let last = started;
    const done = new Map<string, string>();
    while (done.size < ids.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      for (const id of ids) {
        if (done.has(id)) continue;
        const record = await store.get(id);
        if (record && (record.status === 'completed' || record.status === 'failed' || record.status === 'cancelled')) {
          done.set(id, record.status);
          if (record.completed_at) last = Math.max(last, Date.parse(record.completed_at));
        }
      }
    }
    const completed = [...done.values()].filter((s) => s === 'completed').length;
    if (completed < ids.length) {
      const failed = [...done.entries()].filter(([, s]) => s !== 'completed');
      problems.push(`${workers}x${concurrency}: ${completed}/${ids.length} jobs completed (${failed.length} ended otherwise, ${ids.length - done.size} unfinished); see the worker logs`);
    }
    const elapsed = (last - started) / 1000;
    return {
      workers,
      concurrency,
      slots: workers * concurrency,
      jobs: ids.length,
      completed,
      elapsed_s: Math.round(elapsed * 10) / 10,
      jobs_per_min: elapsed > 0 ? Math.round((completed / elapsed) * 60 * 10) / 10 : 0,
      loadavg_1m: machine().loadavg_1m,
    };
  } finally {
    redis.disconnect();
    await Promise.all(children.map((c) => stopChild(c, 60_000)));
  }
}

interface P99s {
  get: Measured;
  list: Measured;
  submit: Measured;
  /** Redis time per 2xx answer, usec. */
  redisUsec: { get: number | null; list: number | null; submit: number | null };
  /** The API's CPU time per 2xx answer, ms. */
  apiCpuMs: { get: number | null; list: number | null; submit: number | null };
}

async function p99s(suite: SuiteStack, mode: Mode, completedJobId: string, label: string, problems: string[], redis: Redis): Promise<P99s> {
  const base = `${suite.stack.apiUrl}${API}`;
  const reader = { authorization: `Bearer ${READER.key}` };
  const get = await costPerAnswer(redis, suite.stack.pids.api!, () => cannon({ url: `${base}/jobs/${completedJobId}`, headers: reader, connections: CONNECTIONS, durationSeconds: mode.seconds }));
  const list = await costPerAnswer(redis, suite.stack.pids.api!, () => cannon({ url: `${base}/jobs?limit=20`, headers: reader, connections: CONNECTIONS, durationSeconds: mode.seconds }));
  const submit = await costPerAnswer(redis, suite.stack.pids.api!, () =>
    cannon({ url: `${base}/generate`, method: 'POST', body: SUBMIT_BODY, headers: { authorization: `Bearer ${WRITER.key}` }, connections: CONNECTIONS, amount: mode.submitAmount }),
  );
  for (const [name, { m }] of Object.entries({ get, list, submit })) problems.push(...brokenInvariants(`${label} ${name}`, m));
  return {
    get: get.m,
    list: list.m,
    submit: submit.m,
    redisUsec: { get: get.redisUsec, list: list.redisUsec, submit: submit.redisUsec },
    apiCpuMs: { get: get.apiCpuMs, list: list.apiCpuMs, submit: submit.apiCpuMs },
  };
}

/**
 * A run with what each 2xx answer cost: Redis time (usec, every command summed) and the API's
 * CPU time (ms, user + system): what grows with the queue shows there before it shows in a p99.
 */
async function costPerAnswer(redis: Redis, apiPid: number, run: () => Promise<Measured>): Promise<{ m: Measured; redisUsec: number | null; apiCpuMs: number | null }> {
  const before = parseCommandStats(await redis.info('commandstats'));
  const cpuBefore = cpuMs(apiPid);
  const m = await run();
  const cpuAfter = cpuMs(apiPid);
  const usec = usecBetween(before, parseCommandStats(await redis.info('commandstats')));
  const apiCpuMs = m.ok > 0 && cpuBefore !== null && cpuAfter !== null ? Math.round(((cpuAfter - cpuBefore) / m.ok) * 1000) / 1000 : null;
  return { m, redisUsec: m.ok > 0 ? Math.round(usec / m.ok) : null, apiCpuMs };
}

interface DeepQueue {
  summary: {
    waiting: { before: number; after: number };
    empty: { get_p99_ms: number; list_p99_ms: number; submit_p99_ms: number };
    deep: { get_p99_ms: number; list_p99_ms: number; submit_p99_ms: number };
    p99_ratios: { get: number; list: number; submit: number };
    /** Redis time (all commands, usec) per 2xx answer of each route, on the empty and the deep queue. */
    redis_usec_per_answer: { empty: P99s['redisUsec']; deep: P99s['redisUsec'] };
    /** The API's CPU time (ms) per 2xx answer of each route. */
    api_cpu_ms_per_answer: { empty: P99s['apiCpuMs']; deep: P99s['apiCpuMs'] };
    targets_met: boolean;
  };
  empty: P99s;
  deep: P99s;
}

async function deepQueueRun(suite: SuiteStack, mode: Mode, problems: string[]): Promise<DeepQueue> {
  const completedJobId = await seedReader(suite.stack.apiUrl, suite.redisUrl, suite.prefix);
  const queue = createVideoQueue({ redisUrl: suite.redisUrl, prefix: suite.prefix });
  const redis = new Redis(suite.redisUrl);
  try {
    const before = (await readQueueStats(queue)).waiting;
    // Warm-up (JIT, connection pools, scripts), not counted: the first run must not make the empty queue look slow.
    const reader = { authorization: `Bearer ${READER.key}` };
    await cannon({ url: `${suite.stack.apiUrl}${API}/jobs/${completedJobId}`, headers: reader, connections: CONNECTIONS, durationSeconds: 2 });
    await cannon({ url: `${suite.stack.apiUrl}${API}/jobs?limit=20`, headers: reader, connections: CONNECTIONS, durationSeconds: 2 });
    const empty = await p99s(suite, mode, completedJobId, 'empty queue', problems, redis);
    const fill = await cannon({ url: `${suite.stack.apiUrl}${API}/generate`, method: 'POST', body: SUBMIT_BODY, headers: { authorization: `Bearer ${WRITER.key}` }, connections: CONNECTIONS, amount: mode.deepJobs });
    problems.push(...brokenInvariants('filling the queue', fill));
    const after = (await readQueueStats(queue)).waiting;
    if (after - before < mode.deepJobs) problems.push(`the queue holds ${after} waiting jobs, expected at least ${before + mode.deepJobs}`);
    const deep = await p99s(suite, mode, completedJobId, 'deep queue', problems, redis);
    const p99Ratios = {
      get: ratio(deep.get.p99_ms, empty.get.p99_ms),
      list: ratio(deep.list.p99_ms, empty.list.p99_ms),
      submit: ratio(deep.submit.p99_ms, empty.submit.p99_ms),
    };
    return {
      summary: {
        waiting: { before, after },
        empty: { get_p99_ms: empty.get.p99_ms, list_p99_ms: empty.list.p99_ms, submit_p99_ms: empty.submit.p99_ms },
        deep: { get_p99_ms: deep.get.p99_ms, list_p99_ms: deep.list.p99_ms, submit_p99_ms: deep.submit.p99_ms },
        p99_ratios: p99Ratios,
        redis_usec_per_answer: { empty: empty.redisUsec, deep: deep.redisUsec },
        api_cpu_ms_per_answer: { empty: empty.apiCpuMs, deep: deep.apiCpuMs },
        targets_met: Object.values(p99Ratios).every((r) => r <= DEEP_TARGET),
      },
      empty,
      deep,
    };
  } finally {
    redis.disconnect();
    await queue.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
  const mode = MODES[values.quick ? 'quick' : 'full'];
  if (values.only !== undefined && values.only !== 'curve' && values.only !== 'deep') throw new Error(`--only takes curve or deep, not ${values.only}`);
  const parts = { curve: values.only !== 'deep', deep: values.only !== 'curve' };
  await mkdir(REPORTS_DIR, { recursive: true });
  const problems: string[] = [];
  const suite = await startSuiteStack({ name: 'scale' });
  try {
    // 1. The curve.
    const curve: Point[] = [];
    for (const concurrency of parts.curve ? mode.concurrency : []) {
      for (const workers of mode.workers) {
        const point = await runJobs(suite, mode, workers, concurrency, problems);
        const one = curve.find((p) => p.workers === 1 && p.concurrency === concurrency);
        curve.push({ ...point, speedup: one ? ratio(point.jobs_per_min, one.jobs_per_min) : 1 });
      }
    }

    // 2. The deep queue, with no worker left to drain it.
    const deepQueue = parts.deep ? await deepQueueRun(suite, mode, problems) : null;
    const line = {
      suite: 'scale',
      mode: mode.name,
      machine: machine(),
      curve,
      deep_queue: deepQueue?.summary ?? null,
      invariants: problems,
      ok: problems.length === 0,
    };
    console.log(JSON.stringify(line));
    await writeFile(path.join(REPORTS_DIR, 'scale.md'), markdown(line, deepQueue));
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await suite.stop();
  }
}

function markdown(l: { mode: string; machine: ReturnType<typeof machine>; curve: Point[]; invariants: string[] }, d: DeepQueue | null): string {
  const cores = l.machine.cores;
  const rows = l.curve
    .map((p) => `| ${p.workers} | ${p.concurrency} | ${p.slots} | ${p.completed}/${p.jobs} | ${p.elapsed_s} | **${p.jobs_per_min}** | ${p.speedup ?? ''} | ${p.loadavg_1m} |`)
    .join('\n');
  const curve = `## Jobs per minute by worker processes and WORKER_CONCURRENCY

A fixed mix of short jobs (low quality, one or two 2 s scenes, MP4 only), submitted at once; the rate is
jobs completed over the time from the first submit to the last completion. Speedup is against one worker at the same concurrency.

| workers | concurrency | slots | completed | seconds | jobs/min | speedup | load avg (1 min) after |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows}

Reading the curve against ${cores} cores: each job is CPU work (ffmpeg encoding, the scene renderer, ffprobe), so
the rate can grow with slots only until the slots keep every core busy; beyond ${cores} busy slots the work queues on the
CPU instead of in Bull, the speedup flattens (ideal: min(slots, ${cores})), and more slots mostly add context switches and
memory. Within one slot the pipeline already runs scenes in parallel (capped by the cores), so a single worker uses
more than one core part of the time, and the gain from a second slot is below 2 even on an idle machine.
`;
  const deepRow = (name: 'get' | 'list' | 'submit') =>
    `| ${name} | ${d!.empty[name].p99_ms} | ${d!.deep[name].p99_ms} | **${d!.summary.p99_ratios[name]}** | ${d!.empty[name].rps} | ${d!.deep[name].rps} | ${d!.empty.redisUsec[name]} | ${d!.deep.redisUsec[name]} | ${d!.empty.apiCpuMs[name]} | ${d!.deep.apiCpuMs[name]} |`;
  const deep = d
    ? `## The API with a deep queue (no workers)

${d.summary.waiting.after} jobs waiting after the fill (${d.summary.waiting.before} before). Target: each p99 within ${DEEP_TARGET}x of its empty-queue value.
Redis usec is the time Redis spent (INFO commandstats, every command) per 2xx answer, API CPU ms the API process's
CPU time (user + system) per 2xx answer: what grows with the queue shows there before it shows in a p99.

| route | p99 empty (ms) | p99 deep (ms) | ratio | 2xx/s empty | 2xx/s deep | Redis usec empty | Redis usec deep | API CPU ms empty | API CPU ms deep |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${deepRow('get')}
${deepRow('list')}
${deepRow('submit')}
`
    : '';
  return `# pnpm scale (${l.mode})

${new Date().toISOString()}. Machine: ${JSON.stringify(l.machine)}. With a load average above the core count every rate here is distorted.

${l.curve.length > 0 ? curve : ''}
${deep}
Invariants: ${l.invariants.length === 0 ? 'none broken (every job completed, every answer 2xx).' : l.invariants.map((p) => `\n- ${p}`).join('')}
`;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
