import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { JobStore, deleteKeysWithPrefix } from '@vidgen/queue';

// @vidgen/testing depends on this package, so the test makes its own unique prefix on the shared Redis.
const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `vgtest-final-${randomBytes(4).toString('hex')}`;
const result = { outputs: [], duration_seconds: 1 } as never;
let redis: Redis;
let store: JobStore;

beforeAll(() => {
  redis = new Redis(SHARED_REDIS_URL);
  store = new JobStore(redis, prefix);
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

it('counts finalizations only for the completion that took effect, and keeps the counter out of the record', async () => {
  const jobId = '00000000-0000-4000-8000-000000000001';
  await store.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration: { topic: 't', quality: 'low' }, created_at: new Date().toISOString() });
  expect(await store.complete(jobId, result)).toBe('queued');
  expect(await redis.hget(store.key(jobId), 'finalizations')).toBeNull();
  expect(await store.markProcessing(jobId, 1)).toBe('ok');
  // Two workers finishing the same job (a stalled one came back): one wins.
  const outcomes = await Promise.all([store.complete(jobId, result), store.complete(jobId, result)]);
  expect(outcomes.sort()).toEqual(['completed', 'ok']);
  expect(await redis.hget(store.key(jobId), 'finalizations')).toBe('1');
  expect(await store.get(jobId)).not.toHaveProperty('finalizations');
});

it("fences a worker's writes to its own attempt: a late attempt gets 'stale' and changes nothing", async () => {
  const jobId = '00000000-0000-4000-8000-000000000002';
  const error = { code: 'RENDER_FAILED', category: 'rendering', message: 'm', suggested_action: 's', retryable: true, stage: null, attempt: 1, occurred_at: new Date().toISOString() } as const;
  await store.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration: { topic: 't', quality: 'low' }, created_at: new Date().toISOString() });
  expect(await store.markProcessing(jobId, 1)).toBe('ok');
  // Attempt 1 is cancelled, the job is retried, and attempt 2 is now processing.
  expect(await store.cancel(jobId)).toBe('ok');
  expect(await store.resubmit(jobId)).toEqual({ ok: true, resubmission: 1 });
  expect(await store.markProcessing(jobId, 2)).toBe('ok');
  // The first attempt's late outcomes must not land on the second attempt's record.
  expect(await store.fail(jobId, error, 1)).toBe('stale');
  expect(await store.markRetrying(jobId, error, 1)).toBe('stale');
  expect(await store.complete(jobId, result, 1)).toBe('stale');
  expect(await store.get(jobId)).toMatchObject({ status: 'processing', attempt: 2, error: null, result: null });
  expect(await redis.hget(store.key(jobId), 'finalizations')).toBeNull();
  // The current attempt's own writes go through; without an attempt (job control) the status alone decides.
  expect(await store.complete(jobId, result, 2)).toBe('ok');
  expect(await store.fail(jobId, error)).toBe('completed');
});
