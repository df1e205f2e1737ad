import path from 'node:path';
import Redis from 'ioredis';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore, createVideoQueue, type VideoQueue } from '@vidgen/queue';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { longJob, processesUnder, scratchEntries, submitJob, waitForStage } from './support/jobs';

// Small lock and stalled-check times, so a dead worker's job is picked up again within seconds.
const STALL_ENV = { BULL_LOCK_DURATION_MS: '2000', BULL_STALLED_INTERVAL_MS: '1000' };

let env: TestEnv;
let redis: Redis;
let store: JobStore;
let tracker: JobProgressTracker;
let queue: VideoQueue;
const workers: WorkerHandle[] = [];

beforeAll(async () => {
  env = await createTestEnv(STALL_ENV);
  redis = new Redis(env.env.REDIS_URL!);
  store = new JobStore(redis, env.prefix);
  tracker = new JobProgressTracker({ redis, prefix: env.prefix });
  queue = createVideoQueue({ redisUrl: env.env.REDIS_URL!, prefix: env.prefix });
});

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await queue?.close();
  redis?.disconnect();
  await env?.cleanup();
});

it('a worker killed with SIGKILL mid-render: another completes the job, finalized once; a fresh worker leaves no orphan ffmpeg', async () => {
  const scratchOf = (name: string) => path.join(env.scratchDir, name);
  const a = await startWorkerProcess({ ...env.env, SCRATCH_DIR: scratchOf('a') });
  const b = await startWorkerProcess({ ...env.env, SCRATCH_DIR: scratchOf('b') });
  workers.push(a, b);
  const jobId = '66666666-6666-4666-8666-666666666666';
  await submitJob(store, queue, jobId, longJob(10, 6), 3);
  await waitForStage(tracker, jobId, 'rendering_scenes');
  const startedOn = (w: WorkerHandle) => w.logLines().some((l) => l.job_id === jobId && l.message === 'job started');
  const [victim, survivor, victimScratch] = startedOn(a) ? [a, b, scratchOf('a')] : [b, a, scratchOf('b')];
  expect(startedOn(victim)).toBe(true);
  expect(await victim.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

  const done = await waitFor(() => store.get(jobId), (r) => r?.status === 'completed' || r?.status === 'failed', { timeoutMs: 45000, what: 'the job to complete on the survivor' });
  expect(done).toMatchObject({ status: 'completed', attempt: 2, error: null });
  expect(survivor.logLines().some((l) => l.job_id === jobId && l.message === 'job completed')).toBe(true);
  expect(await redis.hget(store.key(jobId), 'finalizations')).toBe('1');

  // A fresh worker on the dead worker's scratch dir: its janitor runs before it takes jobs ("worker started").
  const fresh = await startWorkerProcess({ ...env.env, SCRATCH_DIR: victimScratch, SCRATCH_STALE_AFTER_MS: '1000' });
  workers.push(fresh);
  await waitFor(async () => fresh.logLines().some((l) => l.message === 'worker started'), Boolean, { timeoutMs: 10000, what: 'the fresh worker to start' });
  expect(await processesUnder(victimScratch)).toEqual([]);
  expect(await scratchEntries(victimScratch)).toEqual([]);
});
