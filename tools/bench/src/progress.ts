/**
 * pnpm bench:progress — the progress tracker against the same Redis:
 *  1. throughput: N direct tracker updates (no throttled callback) spread over a few
 *     jobs, issued without awaiting each (ioredis pipelines them), against raw HSETs of
 *     the same fields on the same connection; 3 interleaved repetitions each, medians;
 *     ratio = tracker / raw (target >= 0.5).
 *  2. latency: one update at a time, from calling tracker.update to the event arriving
 *     through a ProgressSubscriber on its own connection; p50 / p99 (target p99 <= 250 ms).
 *  3. SSE latency: the same, but until the update's event is received by an HTTP client
 *     connected to GET /jobs/:job_id/events of a real in-process API (subscriber fan-out,
 *     record + snapshot re-read, presentation, socket); p50 / p99 (target p99 <= 250 ms).
 * Prints one JSON line. Uses a unique key prefix and deletes its keys afterwards.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { STAGE_NAMES, roundPercentage, silentLogger, type Logger, type StageName } from '@vidgen/core';
import { JobProgressTracker, ProgressSubscriber, progressKey } from '@vidgen/progress';
import { JobStore, deleteKeysWithPrefix } from '@vidgen/queue';

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

/**
 * Delivers versions as the `id:` lines of a job's SSE stream, read by a plain HTTP
 * client; resolves once the response headers are in (the API is listening by then).
 */
export function sseObserver(baseUrl: string): VersionObserver {
  return (jobId, onVersion) =>
    new Promise((resolve, reject) => {
      const req = http.get(`${baseUrl}/api/v1/videos/jobs/${jobId}/events`, { headers: { Accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`event stream answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const id = /^id: (\d+)$/m.exec(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
            if (id) onVersion(Number(id[1]));
          }
        });
        res.on('error', () => undefined);
        resolve(() => req.destroy());
      });
      req.on('error', reject);
    });
}

/** The slice of @vidgen/api the bench uses. */
interface ApiModule {
  startApi(config: unknown, logger: Logger): Promise<{ port: number; stop(): Promise<void> }>;
}

/**
 * The built API and its config loader, loaded from apps/api: @vidgen/bench does not
 * depend on @vidgen/api (nor @vidgen/config) in its package.json yet; once it does,
 * these become plain imports.
 */
function loadApi(): { api: ApiModule; loadConfig: (env: Record<string, string>) => unknown } {
  const apiDir = path.resolve(__dirname, '../../../apps/api');
  const fromApi = createRequire(path.join(apiDir, 'package.json'));
  return {
    api: fromApi(apiDir) as ApiModule,
    loadConfig: (fromApi('@vidgen/config') as { loadConfig: (env: Record<string, string>) => unknown }).loadConfig,
  };
}

/** Latency from tracker.update to the event arriving at an SSE client of a real in-process API. */
async function measureSseLatency(redis: Redis, tracker: JobProgressTracker, prefix: string): Promise<LatencyStats> {
  const { api, loadConfig } = loadApi();
  // Open development mode (owner "anonymous"); the API reads and subscribes on the bench's prefix.
  const config = loadConfig({ NODE_ENV: 'development', REDIS_URL, QUEUE_PREFIX: prefix, API_PORT: '0', API_KEYS: '', LOG_LEVEL: 'error' });
  const running = await api.startApi(config, silentLogger);
  try {
    const store = new JobStore(redis, prefix);
    const jobId = randomUUID();
    await store.create({ job_id: jobId, owner: 'anonymous', correlation_id: 'bench', configuration: { topic: 'bench', quality: 'low' }, created_at: new Date().toISOString() });
    // As the worker does at pickup: the record first, then the run (measureUpdateLatency starts it).
    await store.markProcessing(jobId, 1);
    return await measureUpdateLatency({ tracker, observe: sseObserver(`http://127.0.0.1:${running.port}`), jobId });
  } finally {
    await running.stop();
  }
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
    const sseLatency = await measureSseLatency(redis, tracker, prefix);

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
        sse_latency: sseLatency,
        targets: { ratio_min: 0.5, p99_ms_max: 250, sse_p99_ms_max: 250 },
        pass: { ratio: ratio >= 0.5, p99: latency.p99_ms <= 250, sse_p99: sseLatency.p99_ms <= 250 },
      }),
    );
  } finally {
    await subscriber.close();
    await deleteKeysWithPrefix(redis, prefix);
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
