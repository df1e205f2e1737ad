import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { JobStore, deleteKeysWithPrefix, jobProgressKey } from '@vidgen/queue';

// @vidgen/testing depends on this package, so the test makes its own unique prefix on the shared Redis.
const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `vgtest-retention-${randomBytes(4).toString('hex')}`;
const TTL = 3600;
const result = { outputs: [], duration_seconds: 1 } as never;
const error = { code: 'RENDER_FAILED', category: 'rendering', message: 'm', suggested_action: 's', retryable: true, stage: null, attempt: 1, occurred_at: new Date().toISOString() } as const;
let redis: Redis;
let store: JobStore;

let n = 0;
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

/** A job record plus a progress hash (as the tracker would leave it), so both keys' retention can be checked. */
async function create(): Promise<string> {
  const jobId = id();
  await store.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration: { topic: 't', quality: 'low' }, created_at: new Date().toISOString() });
  await redis.hset(jobProgressKey(prefix, jobId), 'status', 'processing');
  return jobId;
}

/** TTLs of the record and its progress hash. */
async function ttls(jobId: string): Promise<[number, number]> {
  return [await redis.ttl(store.key(jobId)), await redis.ttl(jobProgressKey(prefix, jobId))];
}

function expectRetained([record, progress]: [number, number]) {
  for (const ttl of [record, progress]) {
    expect(ttl).toBeGreaterThan(TTL - 60);
    expect(ttl).toBeLessThanOrEqual(TTL);
  }
}

beforeAll(() => {
  redis = new Redis(SHARED_REDIS_URL);
  store = new JobStore(redis, prefix, { terminalTtlSeconds: TTL });
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('JobStore retention', () => {
  it('keeps the progress hash under the record key and its hash tag', () => {
    expect(jobProgressKey(prefix, 'j')).toBe(`${store.key('j')}:progress`);
  });

  it('never expires an active (queued or processing) job', async () => {
    const jobId = await create();
    expect(await ttls(jobId)).toEqual([-1, -1]);
    expect(await store.markProcessing(jobId, 1)).toBe('ok');
    expect(await ttls(jobId)).toEqual([-1, -1]);
    // A write to the processing record (the store keeps no progress of its own any more: that was setProgress).
    expect(await store.setWarnings(jobId, [], 1)).toBe('ok');
    expect(await ttls(jobId)).toEqual([-1, -1]);
  });

  it('expires a job cancelled while still queued (no progress run yet), record and progress', async () => {
    const jobId = await create();
    expect(await store.cancel(jobId)).toBe('ok');
    expectRetained(await ttls(jobId));
  });

  it('expires a cancelled processing job', async () => {
    const jobId = await create();
    expect(await store.markProcessing(jobId, 1)).toBe('ok');
    expect(await store.cancel(jobId)).toBe('ok');
    expectRetained(await ttls(jobId));
  });

  it('expires a failed job, both from queued (the API failing an enqueue) and from processing', async () => {
    const queued = await create();
    expect(await store.fail(queued, error)).toBe('ok');
    expectRetained(await ttls(queued));

    const processing = await create();
    expect(await store.markProcessing(processing, 1)).toBe('ok');
    expect(await store.fail(processing, error, 1)).toBe('ok');
    expectRetained(await ttls(processing));
  });

  it('expires a completed job', async () => {
    const jobId = await create();
    expect(await store.markProcessing(jobId, 1)).toBe('ok');
    expect(await store.complete(jobId, result, 1)).toBe('ok');
    expectRetained(await ttls(jobId));
  });

  it('gives the record a TTL even when no progress hash exists, and creates none', async () => {
    const jobId = id();
    await store.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration: { topic: 't', quality: 'low' }, created_at: new Date().toISOString() });
    expect(await store.cancel(jobId)).toBe('ok');
    const [record, progress] = await ttls(jobId);
    expectRetained([record, record]);
    expect(progress).toBe(-2);
  });

  it('leaves the TTL alone when a transition is refused', async () => {
    const jobId = await create();
    expect(await store.markProcessing(jobId, 2)).toBe('ok');
    // A late attempt's write is fenced ('stale') and a queued-only move is refused: nothing expires.
    expect(await store.fail(jobId, error, 1)).toBe('stale');
    expect(await store.complete(jobId, result, 1)).toBe('stale');
    expect(await ttls(jobId)).toEqual([-1, -1]);
    expect(await store.fail(jobId, error, 2)).toBe('ok');
    // The ended job refuses a cancel; its TTL is not renewed or removed.
    await redis.expire(store.key(jobId), 100);
    expect(await store.cancel(jobId)).toBe('failed');
    const [record] = await ttls(jobId);
    expect(record).toBeLessThanOrEqual(100);
    expect(record).toBeGreaterThan(0);
  });

  it('removes the TTL again when a failed or cancelled job is resubmitted, and sets it when it ends again', async () => {
    const failed = await create();
    expect(await store.fail(failed, error)).toBe('ok');
    expectRetained(await ttls(failed));
    expect(await store.resubmit(failed)).toEqual({ ok: true, resubmission: 1 });
    expect(await ttls(failed)).toEqual([-1, -1]);
    expect(await store.markProcessing(failed, 1)).toBe('ok');
    expect(await store.complete(failed, result, 1)).toBe('ok');
    expectRetained(await ttls(failed));

    const cancelled = await create();
    expect(await store.cancel(cancelled)).toBe('ok');
    expect(await store.resubmit(cancelled)).toEqual({ ok: true, resubmission: 1 });
    expect(await ttls(cancelled)).toEqual([-1, -1]);
  });

  it('removes a TTL left on a job that goes back to the queue for a retry', async () => {
    const jobId = await create();
    expect(await store.markProcessing(jobId, 1)).toBe('ok');
    // As if a terminal progress write had expired the keys before the store recorded the retry.
    await redis.expire(store.key(jobId), TTL);
    await redis.expire(jobProgressKey(prefix, jobId), TTL);
    expect(await store.markRetrying(jobId, error, 1)).toBe('ok');
    expect(await ttls(jobId)).toEqual([-1, -1]);
  });

  it('keeps the existing guards: set-if-empty, increment and attempt fencing', async () => {
    const jobId = await create();
    expect(await store.markProcessing(jobId, 1)).toBe('ok');
    const startedAt = (await store.get(jobId))!.started_at;
    expect(await store.markProcessing(jobId, 2)).toBe('ok');
    expect((await store.get(jobId))!.started_at).toBe(startedAt);
    expect(await store.complete(jobId, result, 1)).toBe('stale');
    expect(await store.complete(jobId, result, 2)).toBe('ok');
    expect(await redis.hget(store.key(jobId), 'finalizations')).toBe('1');
  });

  it('refuses a TTL that is not a positive whole number of seconds', () => {
    for (const terminalTtlSeconds of [0, -1, 1.5, Number.NaN]) {
      expect(() => new JobStore(redis, prefix, { terminalTtlSeconds })).toThrow(RangeError);
    }
  });
});

describe('JobStore retention of jobs that ended without a video (JOB_RECORD_TTL_FAILED_SECONDS)', () => {
  const FAILED_TTL = 600;
  let split: JobStore;
  beforeAll(() => {
    split = new JobStore(redis, prefix, { terminalTtlSeconds: TTL, failedTtlSeconds: FAILED_TTL });
  });

  const within = (ttl: number, max: number) => {
    expect(ttl).toBeGreaterThan(max - 60);
    expect(ttl).toBeLessThanOrEqual(max);
  };

  it('keeps completed jobs for terminalTtlSeconds and failed or cancelled ones for failedTtlSeconds, record and progress', async () => {
    const completed = await create();
    expect(await split.markProcessing(completed, 1)).toBe('ok');
    expect(await split.complete(completed, result, 1)).toBe('ok');
    for (const ttl of await ttls(completed)) within(ttl, TTL);

    const failed = await create();
    expect(await split.markProcessing(failed, 1)).toBe('ok');
    expect(await split.fail(failed, error, 1)).toBe('ok');
    for (const ttl of await ttls(failed)) within(ttl, FAILED_TTL);

    const cancelled = await create();
    expect(await split.cancel(cancelled)).toBe('ok');
    for (const ttl of await ttls(cancelled)) within(ttl, FAILED_TTL);
  });

  it('refuses a retention that is not a positive whole number of seconds', () => {
    expect(() => new JobStore(redis, prefix, { failedTtlSeconds: 0 })).toThrow(RangeError);
  });
});
