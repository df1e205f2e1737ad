import type Redis from 'ioredis';
import { JobStore, jobProgressKey, deleteKeysWithPrefix } from '@vidgen/queue';
import { JobProgressTracker, progressKey } from '@vidgen/progress';
import { connect, uniquePrefix } from './helpers';

// The job store sets retention on the progress hash by key: it must be the tracker's key.
const prefix = uniquePrefix('retention');
const TTL = 3600;
let redis: Redis;
let store: JobStore;
let tracker: JobProgressTracker;
let seq = 0;

beforeAll(() => {
  redis = connect();
  store = new JobStore(redis, prefix, { terminalTtlSeconds: TTL });
  tracker = new JobProgressTracker({ redis, prefix, terminalTtlSeconds: TTL });
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

async function processing(): Promise<{ jobId: string; runId: string }> {
  seq += 1;
  const jobId = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  await store.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration: { topic: 't', quality: 'low' }, created_at: new Date().toISOString() });
  expect(await store.markProcessing(jobId, 1)).toBe('ok');
  const run = await tracker.startRun(jobId, { attempt: 1 });
  if (!run.ok) throw new Error(`startRun refused: ${run.reason}`);
  return { jobId, runId: run.runId };
}

it("names the tracker's progress hash like the job store does", () => {
  expect(jobProgressKey(prefix, 'j')).toBe(progressKey(prefix, 'j'));
});

it("expires the tracker's progress with the record when the store ends the job, even with no tracker finish", async () => {
  const { jobId } = await processing();
  expect(await redis.ttl(progressKey(prefix, jobId))).toBe(-1);
  expect(await store.cancel(jobId)).toBe('ok');
  for (const key of [store.key(jobId), progressKey(prefix, jobId)]) {
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(TTL - 60);
    expect(ttl).toBeLessThanOrEqual(TTL);
  }
});

it('keeps a resubmitted job and its old progress until a new run ends', async () => {
  const { jobId, runId } = await processing();
  const error = { code: 'RENDER_FAILED', category: 'rendering', message: 'm', suggested_action: 's', retryable: true, stage: null, attempt: 1, occurred_at: new Date().toISOString() } as const;
  expect(await store.fail(jobId, error, 1)).toBe('ok');
  // The transition ended the run (it used to take a tracker.finish after it).
  expect(await tracker.getSnapshot(jobId)).toMatchObject({ run_id: runId, status: 'failed' });
  expect(await redis.ttl(progressKey(prefix, jobId))).toBeGreaterThan(0);
  expect((await store.resubmit(jobId)).ok).toBe(true);
  expect(await redis.ttl(store.key(jobId))).toBe(-1);
  expect(await redis.ttl(progressKey(prefix, jobId))).toBe(-1);
});

it('refuses to start a run for a job whose record already ended (cancelled between pickup and run start)', async () => {
  seq += 1;
  const jobId = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  await store.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration: { topic: 't', quality: 'low' }, created_at: new Date().toISOString() });
  expect(await store.markProcessing(jobId, 1)).toBe('ok');
  // The API cancels before the worker's run exists: there is no run for it to finish.
  expect(await store.cancel(jobId)).toBe('ok');
  const run = await tracker.startRun(jobId, { attempt: 1 });
  expect(run).toMatchObject({ ok: false, reason: 'terminal' });
  expect(await redis.exists(progressKey(prefix, jobId))).toBe(0);
  // The record keeps its retention: the refused start did not PERSIST it.
  expect(await redis.ttl(store.key(jobId))).toBeGreaterThan(0);
});

it('keeps failed and cancelled runs for failedTtlSeconds, completed ones for terminalTtlSeconds', async () => {
  const FAILED_TTL = 600;
  const split = new JobProgressTracker({ redis, prefix, terminalTtlSeconds: TTL, failedTtlSeconds: FAILED_TTL });
  for (const [status, expected] of [['failed', FAILED_TTL], ['cancelled', FAILED_TTL], ['completed', TTL]] as const) {
    const { jobId } = await processing();
    const run = await split.startRun(jobId, { attempt: 1 });
    if (!run.ok) throw new Error(`startRun refused: ${run.reason}`);
    expect((await split.finish(jobId, run.runId, status)).ok).toBe(true);
    for (const key of [store.key(jobId), progressKey(prefix, jobId)]) {
      const ttl = await redis.ttl(key);
      expect({ status, ok: ttl > expected - 60 && ttl <= expected }).toEqual({ status, ok: true });
    }
  }
});
