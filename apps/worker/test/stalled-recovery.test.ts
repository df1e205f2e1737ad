import { readdir } from 'node:fs/promises';
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

it('a worker killed with SIGKILL mid-render: another completes the job, finalized once; the survivor reclaims its scratch dirs and orphans while it runs', async () => {
  // One machine: both workers share the scratch base dir; the survivor's janitor runs every second.
  const scratch = path.join(env.scratchDir, 'shared');
  const a = await startWorkerProcess({ ...env.env, SCRATCH_DIR: scratch, SCRATCH_JANITOR_INTERVAL_MS: '1000' });
  const b = await startWorkerProcess({ ...env.env, SCRATCH_DIR: scratch, SCRATCH_JANITOR_INTERVAL_MS: '1000' });
  workers.push(a, b);
  const jobId = '66666666-6666-4666-8666-666666666666';
  await submitJob(store, queue, jobId, longJob(10, 6), 3);
  await waitForStage(tracker, jobId, 'rendering_scenes');
  const startedOn = (w: WorkerHandle) => w.logLines().some((l) => l.job_id === jobId && l.message === 'job started');
  // The log line travels through a pipe: it can arrive after the stage is visible in Redis.
  await waitFor(async () => startedOn(a) || startedOn(b), Boolean, { timeoutMs: 5000, what: 'the "job started" line' });
  const [victim, survivor] = startedOn(a) ? [a, b] : [b, a];
  expect(startedOn(victim)).toBe(true);
  const ownDir = (w: WorkerHandle) => (name: string) => name.startsWith(`worker-${w.child.pid}-`);
  expect((await scratchEntries(scratch)).some(ownDir(victim))).toBe(true);
  expect(await victim.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

  const done = await waitFor(() => store.get(jobId), (r) => r?.status === 'completed' || r?.status === 'failed', { timeoutMs: 45000, what: 'the job to complete on the survivor' });
  expect(done).toMatchObject({ status: 'completed', attempt: 2, error: null });
  // As above, the log line can arrive through its pipe after the record says completed.
  const completedOn = (w: WorkerHandle) => w.logLines().some((l) => l.job_id === jobId && l.message === 'job completed');
  await waitFor(async () => completedOn(survivor), Boolean, { timeoutMs: 5000, what: 'the "job completed" line from the survivor' });
  expect(await redis.hget(store.key(jobId), 'finalizations')).toBe('1');

  // No worker started since the kill: the survivor's periodic janitor removed the dead worker's dir and killed its orphans.
  const left = await waitFor(() => readdir(scratch), (names) => names.every(ownDir(survivor)), { timeoutMs: 10000, what: 'the dead worker\'s scratch dir to go' });
  expect(left.filter(ownDir(survivor))).toHaveLength(1);
  expect(await scratchEntries(scratch)).toEqual([]);
  expect(await processesUnder(scratch)).toEqual([]);
  // A clean stop takes the worker's own dir with it.
  expect(await survivor.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  expect(await scratchEntries(scratch)).toEqual([]);
});
