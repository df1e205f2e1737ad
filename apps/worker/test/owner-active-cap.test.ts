import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import Redis from 'ioredis';
import type { JobRecord } from '@vidgen/core';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore, createVideoQueue, enqueueJob, ownerLeasesKey, type VideoQueue } from '@vidgen/queue';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { longJob, waitForStage, writeRealTimeFfmpeg } from './support/jobs';

// OWNER_MAX_ACTIVE_JOBS (issue 13) with real worker processes on the real Redis: a cap of 1 holds
// across two workers without spending attempts, other owners run meanwhile, and a SIGKILLed
// worker's slot comes back when its lease expires. Scenes render in real time (ffmpeg -re), so
// jobs last seconds and overlap if the cap does not hold.
const LOCK_MS = 3000;

let env: TestEnv;
let redis: Redis;
let store: JobStore;
let tracker: JobProgressTracker;
let queue: VideoQueue;
let slowFfmpeg: string;
const workers: WorkerHandle[] = [];
let n = 0;

beforeAll(async () => {
  env = await createTestEnv({ OWNER_MAX_ACTIVE_JOBS: '1', BULL_LOCK_DURATION_MS: String(LOCK_MS), BULL_STALLED_INTERVAL_MS: '1000' });
  redis = new Redis(env.env.REDIS_URL!);
  store = new JobStore(redis, env.prefix);
  tracker = new JobProgressTracker({ redis, prefix: env.prefix });
  queue = createVideoQueue({ redisUrl: env.env.REDIS_URL!, prefix: env.prefix });
  slowFfmpeg = await writeRealTimeFfmpeg(await mkdtemp(path.join(env.scratchDir, 'bin-')));
});

afterAll(async () => {
  for (const w of workers) await w.stop('SIGKILL');
  await queue?.close();
  redis?.disconnect();
  await env?.cleanup();
});

async function submit(owner: string, configuration: Record<string, unknown>): Promise<string> {
  const jobId = `77777777-7777-4777-8777-${String(++n).padStart(12, '0')}`;
  await store.create({ job_id: jobId, owner, correlation_id: `corr-${jobId}`, configuration: configuration as never, created_at: new Date().toISOString() });
  await enqueueJob(queue, { job_id: jobId, correlation_id: `corr-${jobId}` }, { attempts: 3, backoffMs: 100 });
  return jobId;
}

const startWorker = async (name: string) => {
  const w = await startWorkerProcess({ ...env.env, FFMPEG_PATH: slowFfmpeg, SCRATCH_DIR: path.join(env.scratchDir, name) });
  workers.push(w);
  return w;
};

const interval = (r: JobRecord) => [Date.parse(r.started_at!), Date.parse(r.completed_at!)] as const;

it('cap 1, two workers: never two of one owner\'s jobs at once, another owner runs meanwhile, no attempt spent on waiting', async () => {
  await Promise.all([startWorker('a'), startWorker('b')]);
  const alice: string[] = [];
  for (let i = 0; i < 4; i++) alice.push(await submit('alice', longJob(2, 2)));
  const bob = await submit('bob', longJob(2, 2));

  // Sampled while they run: at most one of Alice's records processing at any time.
  let most = 0;
  let bobRanWithAlice = false;
  const records = await waitFor(
    async () => {
      const all = await Promise.all([...alice, bob].map((id) => store.get(id)));
      const running = all.slice(0, 4).filter((r) => r?.status === 'processing').length;
      most = Math.max(most, running);
      if (running > 0 && all[4]?.status === 'processing') bobRanWithAlice = true;
      return all;
    },
    (all) => all.every((r) => r?.status === 'completed' || r?.status === 'failed'),
    { timeoutMs: 120000, intervalMs: 100, what: 'all five jobs to end' },
  );
  expect(records.map((r) => r!.status)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);
  expect(most).toBe(1);
  // From the records themselves: Alice's run intervals do not overlap.
  const spans = records.slice(0, 4).map((r) => interval(r!)).sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  // Bob did not wait for Alice's backlog: his run overlaps one of hers.
  const [bs, be] = interval(records[4]!);
  expect(spans.some(([s, e]) => s < be && bs < e)).toBe(true);
  expect(bobRanWithAlice).toBe(true);
  // Waiting for a slot is no attempt: one attempt each (record and Bull), one finalization each.
  for (const [i, id] of [...alice, bob].entries()) {
    expect(records[i]!.attempt).toBe(1);
    expect(await redis.hget(store.key(id), 'finalizations')).toBe('1');
    expect((await queue.getJob(id))?.attemptsMade).toBe(0);
  }
  await waitFor(() => redis.zcard(ownerLeasesKey(env.prefix, 'alice')), (c) => c === 0, { timeoutMs: 5000, what: 'Alice\'s leases to be released' });
  for (const w of workers.splice(0)) expect(await w.stop('SIGTERM')).toEqual({ code: 0, signal: null });
}, 180000);

it('a SIGKILLed worker\'s lease expires and the owner\'s next job runs', async () => {
  const a = await startWorker('kill-a');
  const first = await submit('carol', longJob(10, 2));
  await waitForStage(tracker, first, 'rendering_scenes');
  const second = await submit('carol', longJob(1, 1));
  const leaseKey = ownerLeasesKey(env.prefix, 'carol');
  expect(await redis.zrange(leaseKey, 0, -1)).toEqual([first]);
  expect(await a.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  // The operator cancels the dead worker's job, so it will not take its slot again when Bull hands it out:
  // only the lease's expiry can free the slot for the second job.
  expect(await store.cancel(first)).toBe('ok');
  expect(await redis.zrange(leaseKey, 0, -1)).toEqual([first]);

  await startWorker('kill-b');
  const done = await waitFor(() => store.get(second), (r) => r?.status === 'completed' || r?.status === 'failed', { timeoutMs: 60000, what: 'the second job to end' });
  expect(done).toMatchObject({ status: 'completed', attempt: 1 });
  expect(await redis.hget(store.key(second), 'finalizations')).toBe('1');
  expect((await store.get(first))?.status).toBe('cancelled');
  // Released after the handler returns, just after the record says completed.
  await waitFor(() => redis.zrange(leaseKey, 0, -1), (ids) => ids.length === 0, { timeoutMs: 5000, what: 'the second job\'s lease to be released' });
}, 120000);
