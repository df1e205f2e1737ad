import Redis from 'ioredis';
import {
  IdempotencyStore,
  JobStore,
  RateLimiter,
  controlChannel,
  decodeCursor,
  listOwnerJobs,
  publishCancel,
  type TerminalJobStatus,
} from '@vidgen/queue';
import { randomBytes } from 'node:crypto';
import { deleteKeysWithPrefix } from '@vidgen/queue';

// @vidgen/testing depends on this package, so the test makes its own unique prefix on the shared Redis.
const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `vgtest-queue-${randomBytes(4).toString('hex')}`;
let redis: Redis;
const hooks: Array<[string, TerminalJobStatus]> = [];
let store: JobStore;

const configuration = { topic: 't', quality: 'low' as const };
let n = 0;
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;

async function create(owner: string, createdAt: number, extra: { callback_url?: string } = {}) {
  const jobId = id();
  await store.create({ job_id: jobId, owner, correlation_id: 'c', configuration, created_at: new Date(createdAt).toISOString(), ...extra });
  return jobId;
}

beforeAll(() => {
  redis = new Redis(SHARED_REDIS_URL);
  store = new JobStore(redis, prefix, { onTerminal: (jobId, status) => void hooks.push([jobId, status]) });
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('JobStore job control', () => {
  it('cancels a queued or processing job once, and refuses a finished one', async () => {
    const queued = await create('o1', Date.now());
    expect(await store.cancel(queued)).toBe('ok');
    expect(await store.get(queued)).toMatchObject({ status: 'cancelled', progress: { stage: 'cancelled' } });
    expect((await store.get(queued))!.completed_at).not.toBeNull();
    expect(await store.cancel(queued)).toBe('cancelled');

    const processing = await create('o1', Date.now());
    await store.markProcessing(processing, 1);
    expect(await store.cancel(processing)).toBe('ok');
    // A worker finishing afterwards cannot overwrite the cancel.
    expect(await store.complete(processing, { outputs: [{ kind: 'video', key: 'k', size_bytes: 1, content_type: 'video/mp4' }], duration_seconds: 1 })).toBe('cancelled');
    expect(await store.cancel(id())).toBe('missing');
  });

  it('calls onTerminal after each terminal transition that took effect, and only then', async () => {
    hooks.length = 0;
    const a = await create('o1', Date.now());
    await store.markProcessing(a, 1);
    await store.complete(a, { outputs: [{ kind: 'video', key: 'k', size_bytes: 1, content_type: 'video/mp4' }], duration_seconds: 1 });
    const b = await create('o1', Date.now());
    await store.fail(b, { code: 'RENDER_FAILED', category: 'rendering', message: 'm', suggested_action: 's', retryable: false, stage: null, attempt: 1, occurred_at: new Date().toISOString() });
    const c = await create('o1', Date.now());
    await store.cancel(c);
    await store.cancel(c);
    expect(hooks).toEqual([
      [a, 'completed'],
      [b, 'failed'],
      [c, 'cancelled'],
    ]);
  });

  it('replays the terminal hook of an ended job with the event id its transition stored, and nothing for an active one', async () => {
    const seen: Array<[string, string, string]> = [];
    const recording = new JobStore(redis, prefix, { onTerminal: (jobId, status, eventId) => void seen.push([jobId, status, eventId]) });
    const jobId = await create('o1', Date.now());
    expect(await recording.replayTerminal(jobId)).toBeNull();
    await recording.markProcessing(jobId, 1);
    await recording.complete(jobId, { outputs: [{ kind: 'video', key: 'k', size_bytes: 1, content_type: 'video/mp4' }], duration_seconds: 1 }, 1);
    expect(await recording.replayTerminal(jobId)).toBe('completed');
    expect(seen).toHaveLength(2);
    expect(seen[0]![2]).toMatch(/^evt_[0-9a-f-]{36}$/);
    expect(seen[1]).toEqual(seen[0]);
    expect(await redis.hget(recording.key(jobId), 'terminal_event_id')).toBe(seen[0]![2]);
  });

  it('reports a failing hook without changing the outcome', async () => {
    const errors: unknown[] = [];
    const failing = new JobStore(redis, prefix, { onTerminal: () => Promise.reject(new Error('hook down')), onHookError: (err) => errors.push(err) });
    const jobId = await create('o1', Date.now());
    expect(await failing.cancel(jobId)).toBe('ok');
    expect(errors).toHaveLength(1);
  });

  it('resubmits a failed or cancelled job as queued with its end cleared, counting resubmissions', async () => {
    const jobId = await create('o1', Date.now());
    expect(await store.resubmit(jobId)).toEqual({ ok: false, status: 'queued' });
    await store.cancel(jobId);
    expect(await store.resubmit(jobId)).toEqual({ ok: true, resubmission: 1 });
    expect(await store.get(jobId)).toMatchObject({ status: 'queued', completed_at: null, error: null, result: null, progress: { stage: 'queued', percentage: 0 } });
    expect(await store.queueJobId(jobId)).toBe(`${jobId}-r1`);
    await store.fail(jobId, { code: 'RENDER_FAILED', category: 'rendering', message: 'm', suggested_action: 's', retryable: false, stage: null, attempt: 1, occurred_at: new Date().toISOString() });
    expect(await store.resubmit(jobId)).toEqual({ ok: true, resubmission: 2 });
    expect(await store.queueJobId(jobId)).toBe(`${jobId}-r2`);
  });

  it('stores the callback URL on the record', async () => {
    const jobId = await create('o1', Date.now(), { callback_url: 'https://example.com/hook' });
    expect((await store.get(jobId))!.callback_url).toBe('https://example.com/hook');
    expect((await store.get(await create('o1', Date.now())))!.callback_url).toBeNull();
  });

  it('deletes the record, its index entry and related keys together', async () => {
    const jobId = await create('o-del', Date.now());
    const related = `${prefix}:job:{${jobId}}:progress`;
    await redis.set(related, 'x');
    await store.delete(jobId, 'o-del', [related]);
    expect(await store.get(jobId)).toBeNull();
    expect(await redis.exists(related)).toBe(0);
    expect(await redis.zscore(`${prefix}:owner:o-del:jobs`, jobId)).toBeNull();
  });
});

describe('listOwnerJobs', () => {
  it('pages newest first with a cursor, ties included, filters by status and skips vanished records', async () => {
    const base = Date.now() - 100000;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await create('lister', base + Math.floor(i / 2) * 1000)); // pairs share a millisecond
    await store.cancel(ids[1]!);
    await store.cancel(ids[4]!);
    // A record that expired leaves its index entry behind.
    await redis.del(`${prefix}:job:{${ids[5]}}`);

    const seen: string[] = [];
    let cursor = null;
    let pages = 0;
    do {
      const page = await listOwnerJobs(redis, prefix, { owner: 'lister', limit: 2, cursor });
      seen.push(...page.records.map((r) => r.job_id));
      cursor = page.nextCursor ? decodeCursor(page.nextCursor) : null;
      pages++;
    } while (cursor && pages < 10);
    const expected = ids.filter((x) => x !== ids[5]).sort((a, b) => ids.indexOf(b) - ids.indexOf(a));
    // Newest first: later creation times first; within one millisecond, higher job ids first.
    const created = (x: string) => Math.floor(ids.indexOf(x) / 2);
    expect(seen.slice().sort((a, b) => created(b) - created(a) || (a < b ? 1 : -1))).toEqual(seen);
    expect(new Set(seen)).toEqual(new Set(expected));
    expect(seen).toHaveLength(6);

    const cancelled = await listOwnerJobs(redis, prefix, { owner: 'lister', limit: 10, cursor: null, status: 'cancelled' });
    expect(cancelled.records.map((r) => r.job_id).sort()).toEqual([ids[1], ids[4]].sort());
    expect(cancelled.nextCursor).toBeNull();
    expect((await listOwnerJobs(redis, prefix, { owner: 'nobody', limit: 5, cursor: null })).records).toEqual([]);
  });
});

describe('publishCancel', () => {
  it('reaches a subscriber of the control channel', async () => {
    const sub = new Redis(SHARED_REDIS_URL);
    try {
      await sub.subscribe(controlChannel(prefix));
      const got = new Promise<string>((resolve) => sub.on('message', (_c, m) => resolve(m)));
      expect(await publishCancel(redis, prefix, 'job-x')).toBe(1);
      expect(JSON.parse(await got)).toEqual({ type: 'cancel', job_id: 'job-x' });
    } finally {
      sub.disconnect();
    }
  });
});

describe('IdempotencyStore', () => {
  it('lets exactly one of concurrent first claims win, and hands the others its entry', async () => {
    const idem = new IdempotencyStore(redis, prefix);
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((j) => idem.claim('owner', 'key-1', { fingerprint: 'f', job_id: j })));
    const winners = results.filter((r) => r.claimed);
    expect(winners).toHaveLength(1);
    const losers = results.filter((r) => !r.claimed) as Array<{ claimed: false; existing: { job_id: string } }>;
    expect(new Set(losers.map((l) => l.existing.job_id)).size).toBe(1);
    const ttl = await redis.ttl((await redis.keys(`${prefix}:idem:owner:*`))[0]!);
    expect(ttl).toBeGreaterThan(24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(24 * 3600);
  });

  it('scopes keys per owner and releases only its own claim', async () => {
    const idem = new IdempotencyStore(redis, prefix);
    expect(await idem.claim('o-a', 'shared', { fingerprint: 'f', job_id: 'j1' })).toEqual({ claimed: true });
    expect(await idem.claim('o-b', 'shared', { fingerprint: 'f', job_id: 'j2' })).toEqual({ claimed: true });
    await idem.release('o-a', 'shared', 'not-j1');
    expect((await idem.claim('o-a', 'shared', { fingerprint: 'f', job_id: 'j3' })).claimed).toBe(false);
    await idem.release('o-a', 'shared', 'j1');
    expect((await idem.claim('o-a', 'shared', { fingerprint: 'f', job_id: 'j3' })).claimed).toBe(true);
  });
});

describe('RateLimiter', () => {
  it('allows `limit` requests per window per owner, then refuses with a retry-after within the window', async () => {
    const limiter = new RateLimiter(redis, { prefix, action: 'submit', limit: 3, windowMs: 60000 });
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiter.take('rl-owner'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(decisions[3]!.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((await limiter.take('other-owner')).allowed).toBe(true);
  });

  it('is shared by every limiter on the same Redis (API replicas) and off at limit 0', async () => {
    const a = new RateLimiter(redis, { prefix, action: 'shared', limit: 2, windowMs: 60000 });
    const other = new Redis(SHARED_REDIS_URL);
    try {
      const b = new RateLimiter(other, { prefix, action: 'shared', limit: 2, windowMs: 60000 });
      expect((await a.take('x')).allowed).toBe(true);
      expect((await b.take('x')).allowed).toBe(true);
      expect((await a.take('x')).allowed).toBe(false);
    } finally {
      other.disconnect();
    }
    const off = new RateLimiter(redis, { prefix, action: 'off', limit: 0, windowMs: 1000 });
    for (let i = 0; i < 5; i++) expect((await off.take('x')).allowed).toBe(true);
  });
});
