/**
 * pnpm bench:fairness — owner-fair scheduling against plain FIFO, same workload, same run.
 *
 * The scheduling layer as production runs it: a real Bull queue on the real Redis, the API's
 * FairShare tags as Bull priorities, and two consumers behind the worker's owner gate
 * (OWNER_MAX_ACTIVE_JOBS at its default, leases in Redis) that move virtual now as the worker
 * does when a job starts. The FIFO run is plain Bull: no priorities, no gate. What a job does once started is a sleep of its render time, so the
 * numbers measure the order jobs start in, not ffmpeg on a shared machine: a medium job (60 s of
 * video) takes MEDIUM_MS, a short one (1 s) SHORT_MS, in the ratio measured on the real stack
 * (issue 13: a 60 s medium job rendered in ~12 s, a 1 s job in ~1 s).
 *
 * Workload: Alice submits 20 medium jobs at once; Bob and Carol then submit 50 short jobs between
 * them, one every SHORT_EVERY_MS, while Alice's backlog runs on 2 workers. For each mode: the short
 * jobs' wait (submit → start) p50 / p99. Target (fair mode): p99 <= the longest single job's
 * duration as measured in the run. A short job that arrives while both workers have just started
 * medium jobs must wait for one of them (no preemption), so the fair p99 sits near that bound.
 * Prints one JSON line. Uses unique key prefixes and deletes its keys afterwards.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { silentLogger } from '@vidgen/core';
import { FairShare, OwnerLeases, createBullQueue, deleteKeysWithPrefix, gateByOwner, type QueueJob } from '@vidgen/queue';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WORKERS = 2;
const MEDIUM_JOBS = 20;
const SHORT_JOBS = 50;
const MEDIUM_MS = 1200;
const SHORT_MS = 100;
const SHORT_EVERY_MS = 150;
const MEDIUM_VIDEO_SECONDS = 60;
const SHORT_VIDEO_SECONDS = 1;
/** OWNER_MAX_ACTIVE_JOBS's default. */
const OWNER_MAX_ACTIVE_JOBS = 2;

interface BenchJob {
  owner: string;
  ms: number;
  submittedAt: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function runMode(fair: boolean): Promise<{ p50: number; p99: number; max: number; makespan_ms: number; longest_job_ms: number }> {
  const prefix = `vgbench-fair-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL);
  const queue = createBullQueue<BenchJob>('video-generation', { redisUrl: REDIS_URL, prefix });
  const fairShare = new FairShare(redis, prefix);
  const shortWaits: number[] = [];
  let longestJobMs = 0;
  let finished = 0;
  const started = performance.now();
  try {
    const run = async (job: QueueJob<BenchJob>) => {
      const wait = performance.now() - job.data.submittedAt;
      if (job.data.owner !== 'alice') shortWaits.push(wait);
      const began = performance.now();
      await sleep(job.data.ms);
      longestJobMs = Math.max(longestJobMs, performance.now() - began);
      finished += 1;
    };
    const leases = new OwnerLeases({ redis, prefix, cap: OWNER_MAX_ACTIVE_JOBS, leaseMs: 30000 });
    const gated = gateByOwner(run, { leases, ownerOf: async (job) => job.data.owner, onStart: (job) => void fairShare.started(job.opts.priority), logger: silentLogger });
    void queue.process(WORKERS, fair ? gated : run);
    const submit = async (owner: string, ms: number, videoSeconds: number) => {
      const priority = fair ? await fairShare.tagFor(owner, videoSeconds) : undefined;
      await queue.add({ owner, ms, submittedAt: performance.now() }, { ...(priority ? { priority } : {}), removeOnComplete: true, removeOnFail: true });
    };
    for (let i = 0; i < MEDIUM_JOBS; i++) await submit('alice', MEDIUM_MS, MEDIUM_VIDEO_SECONDS);
    for (let i = 0; i < SHORT_JOBS; i++) {
      await submit(i % 2 === 0 ? 'bob' : 'carol', SHORT_MS, SHORT_VIDEO_SECONDS);
      await sleep(SHORT_EVERY_MS);
    }
    while (finished < MEDIUM_JOBS + SHORT_JOBS) await sleep(50);
  } finally {
    await queue.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
  const sorted = [...shortWaits].sort((a, b) => a - b);
  const r = (n: number) => Math.round(n);
  return { p50: r(percentile(sorted, 50)), p99: r(percentile(sorted, 99)), max: r(sorted[sorted.length - 1] ?? NaN), makespan_ms: r(performance.now() - started), longest_job_ms: r(longestJobMs) };
}

async function main() {
  const fifo = await runMode(false);
  const fair = await runMode(true);
  // The longest single job as it ran (its sleep plus timer slack on this machine), in the fair run.
  const longestJobMs = fair.longest_job_ms;
  const result = {
    bench: 'fairness',
    workers: WORKERS,
    owner_max_active_jobs: OWNER_MAX_ACTIVE_JOBS,
    medium_jobs: MEDIUM_JOBS,
    short_jobs: SHORT_JOBS,
    medium_ms: MEDIUM_MS,
    short_ms: SHORT_MS,
    short_wait_ms: { fifo: { p50: fifo.p50, p99: fifo.p99 }, fair: { p50: fair.p50, p99: fair.p99 } },
    p99_ratio_fair_to_fifo: Math.round((fair.p99 / fifo.p99) * 1000) / 1000,
    makespan_ms: { fifo: fifo.makespan_ms, fair: fair.makespan_ms },
    longest_job_ms: longestJobMs,
    target: `fair p99 <= the longest single job's duration (${longestJobMs} ms measured)`,
    pass: fair.p99 <= longestJobMs,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!result.pass) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
