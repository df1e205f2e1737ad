import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { silentLogger } from '@vidgen/core';
import { OwnerLeases, countParked, createBullQueue, deleteKeysWithPrefix, gateByOwner, type QueueJob } from '@vidgen/queue';

// The owner gate on a real Bull queue and Redis: a job whose owner is at the cap goes back to
// Bull's delayed set with no attempt spent and no completion, and runs once a slot frees.
const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `vgtest-gate-${randomBytes(4).toString('hex')}`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(SHARED_REDIS_URL);
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

const until = async (what: string, check: () => Promise<boolean>) => {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

it('parks the second job of an owner at cap 1 without an attempt or a completion; it runs after the first', async () => {
  const queue = createBullQueue<{ owner: string; name: string }>('gate', { redisUrl: SHARED_REDIS_URL, prefix });
  const events: string[] = [];
  queue.on('global:completed', (id: string) => void events.push(`completed ${id}`));
  queue.on('global:failed', (id: string) => void events.push(`failed ${id}`));
  let releaseFirst: () => void = () => {};
  const firstHeld = new Promise<void>((r) => (releaseFirst = r));
  const ran: string[] = [];
  const run = async (job: QueueJob<{ owner: string; name: string }>) => {
    ran.push(job.data.name);
    if (job.data.name === 'a1') await firstHeld;
  };
  const leases = new OwnerLeases({ redis, prefix, cap: 1, leaseMs: 10000 });
  try {
    // Two slots in this process: without the gate both of Alice's jobs would run at once.
    void queue.process(2, gateByOwner(run, { leases, ownerOf: async (job) => job.data.owner, parkDelayMs: 200, logger: silentLogger }));
    await queue.add({ owner: 'alice', name: 'a1' }, { jobId: 'a1', attempts: 1 });
    await until('a1 to run', async () => ran.includes('a1'));
    await queue.add({ owner: 'alice', name: 'a2' }, { jobId: 'a2', attempts: 1 });
    await queue.add({ owner: 'bob', name: 'b1' }, { jobId: 'b1', attempts: 1 });
    // Bob's job runs beside a1; a2 goes back and forth between delayed and wait, never running.
    await until('b1 to complete', async () => (await (await queue.getJob('b1'))!.getState()) === 'completed');
    await until('a2 to be parked', async () => (await (await queue.getJob('a2'))!.getState()) === 'delayed');
    expect(ran).toEqual(['a1', 'b1']);
    expect(await countParked(redis, prefix, 60000)).toBe(1);
    const parked = (await queue.getJob('a2'))!;
    // attempts: 1, so a spent attempt would have failed it for good.
    expect(parked.attemptsMade).toBe(0);
    expect(parked.finishedOn ?? null).toBeNull();

    releaseFirst();
    await until('a2 to complete', async () => (await (await queue.getJob('a2'))!.getState()) === 'completed');
    expect(ran).toEqual(['a1', 'b1', 'a2']);
    expect((await queue.getJob('a2'))!.attemptsMade).toBe(0);
    expect(await countParked(redis, prefix, 60000)).toBe(0);
    expect(await leases.running('alice')).toBe(0);
    await until('the completion events', async () => events.length >= 3);
    expect(events.sort()).toEqual(['completed a1', 'completed a2', 'completed b1']);
  } finally {
    releaseFirst();
    await queue.close();
  }
});
