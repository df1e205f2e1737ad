/**
 * pnpm bench:progress — the progress tracker against the same Redis:
 *  1. throughput: N direct tracker updates (no throttled callback) spread over a few
 *     jobs, issued without awaiting each (ioredis pipelines them), against raw HSETs of
 *     the same fields on the same connection; 3 interleaved repetitions each, medians;
 *     ratio = tracker / raw (target >= 0.5).
 *  2. latency: one update at a time, from calling tracker.update to the event arriving
 *     through a ProgressSubscriber on its own connection; p50 / p99 (target p99 <= 250 ms).
 * Prints one JSON line. Uses a unique key prefix and deletes its keys afterwards.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { STAGE_NAMES, roundPercentage, type StageName } from '@vidgen/core';
import { JobProgressTracker, ProgressSubscriber, progressKey } from '@vidgen/progress';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const UPDATES = 5000;
const JOBS = 4;
const RUNS = 3;
const LATENCY_SAMPLES = 500;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

/** The i-th of `count` updates for one job: walks every stage in order, never backwards. */
function position(i: number, count: number): { stage: StageName; pct: number } {
  const x = (i / count) * STAGE_NAMES.length;
  const index = Math.min(STAGE_NAMES.length - 1, Math.floor(x));
  return { stage: STAGE_NAMES[index] as StageName, pct: roundPercentage((x - index) * 100) };
}

async function trackerRun(tracker: JobProgressTracker, tag: string): Promise<{ ups: number; accepted: number }> {
  const jobs = Array.from({ length: JOBS }, (_, j) => `${tag}-job-${j}`);
  const runs = await Promise.all(jobs.map((jobId) => tracker.startRun(jobId, { attempt: 1 })));
  const perJob = Math.floor(UPDATES / JOBS);
  const started = performance.now();
  const writes = jobs.map(async (jobId, j) => {
    const run = runs[j];
    if (!run?.ok) throw new Error(`startRun refused: ${run?.reason}`);
    const pending = [];
    for (let i = 0; i < perJob; i += 1) {
      const { stage, pct } = position(i, perJob);
      pending.push(tracker.update(jobId, run.runId, stage, pct));
    }
    return Promise.all(pending);
  });
  const results = (await Promise.all(writes)).flat();
  const seconds = (performance.now() - started) / 1000;
  return { ups: results.length / seconds, accepted: results.filter((r) => r.ok).length };
}

/** The baseline: HSET of the fields an update stores, with no checks, no script and no publish. */
async function rawRun(redis: Redis, prefix: string, tag: string): Promise<number> {
  const jobs = Array.from({ length: JOBS }, (_, j) => `${tag}-job-${j}`);
  const perJob = Math.floor(UPDATES / JOBS);
  const started = performance.now();
  await Promise.all(
    jobs.map((jobId) => {
      const key = progressKey(prefix, jobId);
      const pending = [];
      for (let i = 0; i < perJob; i += 1) {
        const { stage, pct } = position(i, perJob);
        pending.push(
          redis.hset(key, 'stage', stage, 'stage_percentage', String(pct), 'percentage', String(pct), 'version', String(i), 'updated_at', String(Date.now())),
        );
      }
      return Promise.all(pending);
    }),
  );
  return (perJob * JOBS) / ((performance.now() - started) / 1000);
}

/** Something that delivers a job's progress versions as they are published (a subscriber, or later an SSE client). */
export type VersionObserver = (jobId: string, onVersion: (version: number) => void) => Promise<() => void>;

export interface LatencyStats {
  samples: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
}

export function subscriberObserver(subscriber: ProgressSubscriber): VersionObserver {
  return async (jobId, onVersion) => {
    await subscriber.start();
    return subscriber.on(jobId, (event) => onVersion(event.version));
  };
}

/**
 * Latency from calling tracker.update to `observe` delivering that update's version,
 * one update at a time so each sample is a clean round trip.
 */
export async function measureUpdateLatency(options: {
  tracker: JobProgressTracker;
  observe: VersionObserver;
  jobId: string;
  samples?: number;
  timeoutMs?: number;
}): Promise<LatencyStats> {
  const { tracker, observe, jobId, samples = LATENCY_SAMPLES, timeoutMs = 5000 } = options;
  const run = await tracker.startRun(jobId, { attempt: 1 });
  if (!run.ok) throw new Error(`startRun refused: ${run.reason}`);
  let waiting: { version: number; resolve: () => void } | null = null;
  const seen = new Set<number>();
  const stop = await observe(jobId, (version) => {
    seen.add(version);
    if (waiting && version >= waiting.version) waiting.resolve();
  });
  const latencies: number[] = [];
  try {
    for (let i = 0; i < samples; i += 1) {
      const { stage, pct } = position(i, samples);
      const started = performance.now();
      const result = await tracker.update(jobId, run.runId, stage, pct);
      if (!result.ok) throw new Error(`update refused: ${result.reason}`);
      if (!seen.has(result.version)) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`event ${result.version} not received within ${timeoutMs} ms`)), timeoutMs);
          waiting = {
            version: result.version,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          };
        });
        waiting = null;
      }
      latencies.push(performance.now() - started);
    }
  } finally {
    stop();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return { samples: sorted.length, p50_ms: round(percentile(sorted, 50)), p99_ms: round(percentile(sorted, 99)), max_ms: round(sorted.at(-1) ?? NaN) };
}

async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const prefix = `vidgen-bench:progress-${randomBytes(6).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const subConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const subscriber = new ProgressSubscriber({ redis: subConnection, prefix });
  try {
    const tracker = new JobProgressTracker({ redis, prefix });
    // Warm-up: loads the script and warms both code paths.
    await trackerRun(tracker, 'warm');
    await rawRun(redis, prefix, 'warm-raw');

    const trackerUps: number[] = [];
    const rawUps: number[] = [];
    let accepted = 0;
    for (let r = 0; r < RUNS; r += 1) {
      const t = await trackerRun(tracker, `t${r}`);
      trackerUps.push(t.ups);
      accepted += t.accepted;
      rawUps.push(await rawRun(redis, prefix, `r${r}`));
    }
    const trackerMedian = median(trackerUps);
    const rawMedian = median(rawUps);
    const ratio = trackerMedian / rawMedian;

    const latency = await measureUpdateLatency({ tracker, observe: subscriberObserver(subscriber), jobId: 'latency' });

    const perRun = Math.floor(UPDATES / JOBS) * JOBS;
    console.log(
      JSON.stringify({
        bench: 'progress',
        updates: perRun,
        jobs: JOBS,
        runs: RUNS,
        tracker_updates_per_s: Math.round(trackerMedian),
        raw_hset_per_s: Math.round(rawMedian),
        ratio: round(ratio),
        tracker_runs: trackerUps.map(Math.round),
        raw_runs: rawUps.map(Math.round),
        tracker_accepted: `${accepted}/${perRun * RUNS}`,
        latency,
        targets: { ratio_min: 0.5, p99_ms_max: 250 },
        pass: { ratio: ratio >= 0.5, p99: latency.p99_ms <= 250 },
      }),
    );
  } finally {
    await subscriber.close();
    await deletePrefix(redis, prefix);
    await subConnection.quit();
    await redis.quit();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
