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
