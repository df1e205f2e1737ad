import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { OwnerLeases, countParked, deleteKeysWithPrefix, ownerLeasesKey } from '@vidgen/queue';

// OWNER_MAX_ACTIVE_JOBS leases (issue 13) against the real Redis scripts, on a clock the test moves.
const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `vgtest-leases-${randomBytes(4).toString('hex')}`;
let redis: Redis;
let clock = 1_000_000;
const now = () => clock;

beforeAll(() => {
  redis = new Redis(SHARED_REDIS_URL);
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

it('gives an owner at most `cap` slots across processes; a released slot is free at once', async () => {
  // Two workers: each its own OwnerLeases (its own held set), one Redis.
  const a = new OwnerLeases({ redis, prefix, cap: 2, leaseMs: 1000, now });
  const b = new OwnerLeases({ redis, prefix, cap: 2, leaseMs: 1000, now });
  expect(await a.acquire('alice', 'j1')).toBe(true);
  expect(await b.acquire('alice', 'j2')).toBe(true);
  expect(await a.acquire('alice', 'j3')).toBe(false);
  expect(await b.acquire('bob', 'j4')).toBe(true);
  expect(await a.running('alice')).toBe(2);
  // A job picked up again (stalled recovery) keeps the slot it holds.
  expect(await b.acquire('alice', 'j1')).toBe(true);
  await a.release('alice', 'j1');
  expect(await a.acquire('alice', 'j3')).toBe(true);
  expect(await a.acquire('alice', 'j5')).toBe(false);
});

it('concurrent takers never get more than the cap', async () => {
  const leases = Array.from({ length: 8 }, () => new OwnerLeases({ redis, prefix, cap: 3, leaseMs: 1000, now }));
  const got = await Promise.all(leases.map((l, i) => l.acquire('carol', `c${i}`)));
  expect(got.filter(Boolean)).toHaveLength(3);
});

it('a lease nobody renews (a killed worker) expires; a renewed one does not', async () => {
  const dead = new OwnerLeases({ redis, prefix, cap: 1, leaseMs: 1000, now });
  const live = new OwnerLeases({ redis, prefix, cap: 1, leaseMs: 1000, now });
  expect(await dead.acquire('dave', 'd1')).toBe(true);
  clock += 999;
  expect(await live.acquire('dave', 'd2')).toBe(false);
  clock += 2;
  expect(await live.acquire('dave', 'd2')).toBe(true);
  // The dead worker's lease is gone: its renewal does not take the slot back.
  expect(await dead.renew()).toBe(0);
  clock += 900;
  expect(await live.renew()).toBe(1);
  clock += 900;
  expect(await dead.acquire('dave', 'd3')).toBe(false);
  expect(await redis.zscore(ownerLeasesKey(prefix, 'dave'), 'd2')).toBe(String(clock - 900 + 1000));
  // The key expires with its last lease: an idle owner leaves nothing behind.
  expect(await redis.pttl(ownerLeasesKey(prefix, 'dave'))).toBeGreaterThan(0);
});

it('counts parked jobs until they take a slot or go quiet', async () => {
  const leases = new OwnerLeases({ redis, prefix, cap: 1, leaseMs: 1000, now });
  await leases.parked('p1');
  await leases.parked('p2');
  expect(await countParked(redis, prefix, 60000, clock)).toBe(2);
  expect(await leases.acquire('erin', 'p1')).toBe(true);
  expect(await countParked(redis, prefix, 60000, clock)).toBe(1);
  expect(await countParked(redis, prefix, 60000, clock + 60001)).toBe(0);
});
