import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { DAY_MS, VideoBudget, deleteKeysWithPrefix, ownerVideoKey } from '@vidgen/queue';

// OWNER_DAILY_VIDEO_SECONDS (issue 13) against the real Redis scripts, on a clock the test moves.
const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `vgtest-budget-${randomBytes(4).toString('hex')}`;
let redis: Redis;
let clock = 1_700_000_000_000;
const now = () => clock;
const budget = (limitSeconds = 100) => new VideoBudget({ redis, prefix, limitSeconds, now });

beforeAll(() => {
  redis = new Redis(SHARED_REDIS_URL);
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

it('reserves up to the limit, settles to the rendered length, releases reservations only', async () => {
  const b = budget(100);
  expect(await b.reserve('alice', 'j1', 40)).toEqual({ ok: true, usedSeconds: 0, reservedSeconds: 40 });
  expect(await b.reserve('alice', 'j2', 50)).toEqual({ ok: true, usedSeconds: 0, reservedSeconds: 90 });
  // Over the limit, and nothing settled that could leave the window: no time to offer.
  expect(await b.reserve('alice', 'j3', 20)).toEqual({ ok: false, usedSeconds: 0, reservedSeconds: 90, freesAt: null });
  // The same submission again (an automatic retry is the same Bull job) is not charged twice.
  expect(await b.reserve('alice', 'j1', 40)).toMatchObject({ ok: true, reservedSeconds: 90 });
  await b.settle('alice', 'j1', 31.5);
  expect(await b.usage('alice')).toEqual({ limitSeconds: 100, usedSeconds: 31.5, reservedSeconds: 50, remainingSeconds: 18.5, nextFreeAt: new Date(clock + DAY_MS), windowSeconds: 86400 });
  // Settling twice (a re-delivered job) keeps the first settlement; a settled charge is not released.
  clock += 1000;
  await b.settle('alice', 'j1', 99);
  expect(await b.release('alice', 'j1')).toBe(false);
  expect(await b.release('alice', 'j2')).toBe(true);
  expect(await b.release('alice', 'j2')).toBe(false);
  expect(await b.usage('alice')).toMatchObject({ usedSeconds: 31.5, reservedSeconds: 0, remainingSeconds: 68.5 });
  // Other owners have their own budget.
  expect(await b.usage('bob')).toMatchObject({ usedSeconds: 0, reservedSeconds: 0, remainingSeconds: 100, nextFreeAt: null });
});

it('is a rolling window: says when enough settled seconds leave it, and they do', async () => {
  const b = budget(60);
  const t0 = clock;
  await b.reserve('carol', 'a', 20);
  await b.settle('carol', 'a', 20);
  clock += 3600_000;
  await b.reserve('carol', 'b', 30);
  await b.settle('carol', 'b', 30);
  clock += 3600_000;
  // 50 used; 25 more needs 15 back: the first charge's 20 frees at t0 + 24 h.
  expect(await b.reserve('carol', 'c', 25)).toEqual({ ok: false, usedSeconds: 50, reservedSeconds: 0, freesAt: new Date(t0 + DAY_MS) });
  // 45 more needs 35 back: both charges, the second at t0 + 1 h + 24 h.
  expect(await b.reserve('carol', 'c', 45)).toMatchObject({ ok: false, freesAt: new Date(t0 + 3600_000 + DAY_MS) });
  clock = t0 + DAY_MS;
  expect(await b.reserve('carol', 'c', 25)).toEqual({ ok: true, usedSeconds: 30, reservedSeconds: 25 });
  // A failure after rendering: the reservation becomes a charge as it was.
  await b.charge('carol', 'c');
  expect(await b.usage('carol')).toMatchObject({ usedSeconds: 55, reservedSeconds: 0 });
  expect(await redis.pttl(ownerVideoKey(prefix, 'carol'))).toBeGreaterThan(DAY_MS);
});

it('a reservation a job never ended is dropped after two windows (a leak is bounded)', async () => {
  const b = budget(10);
  await b.reserve('dave', 'stuck', 10);
  expect(await b.reserve('dave', 'next', 1)).toMatchObject({ ok: false });
  clock += 2 * DAY_MS;
  expect(await b.reserve('dave', 'next', 1)).toEqual({ ok: true, usedSeconds: 0, reservedSeconds: 1 });
});

it('holds across concurrent reservations (as from many API replicas)', async () => {
  const replicas = Array.from({ length: 10 }, () => budget(100));
  const results = await Promise.all(replicas.map((b, i) => b.reserve('erin', `j${i}`, 30)));
  expect(results.filter((r) => r.ok)).toHaveLength(3);
  expect(await replicas[0]!.usage('erin')).toMatchObject({ reservedSeconds: 90 });
});

it("a running job's headroom: the owner's remaining seconds plus the job's own reservation, not another job's", async () => {
  const b = budget(100);
  await b.reserve('dora', 'run', 30);
  await b.reserve('dora', 'other', 20);
  expect(await b.headroomFor('dora', 'run')).toBe(80);
  expect(await b.headroomFor('dora', 'other')).toBe(70);
  // Settled or unknown: nothing of its own to add back.
  await b.settle('dora', 'other', 25);
  expect(await b.headroomFor('dora', 'other')).toBe(45);
  expect(await b.headroomFor('dora', 'nobody')).toBe(45);
});
