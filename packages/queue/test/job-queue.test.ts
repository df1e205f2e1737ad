import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { BullJobQueue, createVideoQueue, deleteKeysWithPrefix, type ConsumedJob } from '@vidgen/queue';
import type { QueuePayload } from '@vidgen/core';

// The JobQueue adapter on a real Bull queue and Redis: the two outcomes a thrown error cannot say
// (retryEvenIfLast, failPermanently) act on Bull's own attempts, and remove() leaves running jobs alone.
const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `vgtest-jobqueue-${randomBytes(4).toString('hex')}`;
let redis: Redis;
const queues: BullJobQueue[] = [];

beforeAll(() => {
  redis = new Redis(SHARED_REDIS_URL);
});

afterAll(async () => {
  for (const q of queues) await q.close(true).catch(() => undefined);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

function open(name: string): BullJobQueue {
  const q = new BullJobQueue(createVideoQueue({ redisUrl: SHARED_REDIS_URL, prefix: `${prefix}-${name}` }), { redis, prefix: `${prefix}-${name}` });
  queues.push(q);
  return q;
}

const until = async <T>(what: string, read: () => Promise<T>, done: (v: T) => boolean): Promise<T> => {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

const payload = (id: string): QueuePayload => ({ job_id: id, correlation_id: `c-${id}` });

it('hands the handler a neutral job: id, data, attempt and attempts allowed', async () => {
  const q = open('neutral');
  const seen: Array<Pick<ConsumedJob<QueuePayload>, 'id' | 'data' | 'attempt' | 'attemptsAllowed'>> = [];
  q.consume(1, async (job) => {
    seen.push({ id: job.id, data: job.data, attempt: job.attempt, attemptsAllowed: job.attemptsAllowed });
    if (job.attempt === 1) throw new Error('once');
  });
  await q.enqueue(payload('j1'), { attempts: 3, backoffMs: 10, queueJobId: 'j1-r1' });
  await until('two attempts', async () => seen.length, (n) => n >= 2);
  expect(seen).toEqual([
    { id: 'j1-r1', data: payload('j1'), attempt: 1, attemptsAllowed: 3 },
    { id: 'j1-r1', data: payload('j1'), attempt: 2, attemptsAllowed: 3 },
  ]);
});

it('retries a job on its last attempt when the handler asked for it (retryEvenIfLast), once', async () => {
  const q = open('last');
  const attempts: number[] = [];
  q.consume(1, async (job) => {
    attempts.push(job.attempt);
    if (job.attempt === 1) job.retryEvenIfLast();
    throw new Error('shutdown');
  });
  await q.enqueue(payload('j2'), { attempts: 1, backoffMs: 10 });
  await until('Bull to fail the job for good', async () => (await q.bull.getJob('j2'))?.getState(), (s) => s === 'failed');
  expect(attempts).toEqual([1, 2]);
});

it('ends a job at once on failPermanently, with attempts left', async () => {
  const q = open('permanent');
  const attempts: number[] = [];
  q.consume(1, async (job) => {
    attempts.push(job.attempt);
    await job.failPermanently();
    throw new Error('permanent');
  });
  await q.enqueue(payload('j3'), { attempts: 5, backoffMs: 10 });
  await until('Bull to fail the job', async () => (await q.bull.getJob('j3'))?.getState(), (s) => s === 'failed');
  expect(attempts).toEqual([1]);
});

it('removes a waiting job, not a missing one, and counts jobs by state', async () => {
  const q = open('remove');
  await q.enqueue(payload('j4'), { attempts: 1, backoffMs: 10 });
  await q.enqueue(payload('j5'), { attempts: 1, backoffMs: 10 });
  expect(await q.positions(['j4', 'j5'])).toEqual([0, 1]);
  expect((await q.stats()).waiting).toBe(2);
  expect(await q.remove('j4')).toBe(true);
  expect(await q.remove('j4')).toBe(false);
  expect(await q.bull.getJob('j4')).toBeNull();
  expect((await q.stats()).waiting).toBe(1);
});

it('leaves a running job in place: its worker stops it', async () => {
  const q = open('active');
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  q.consume(1, () => held);
  await q.enqueue(payload('j6'), { attempts: 1, backoffMs: 10 });
  await until('the job to run', async () => (await q.bull.getJob('j6'))?.getState(), (s) => s === 'active');
  expect(await q.remove('j6')).toBe(false);
  release();
  await until('the job to complete', async () => (await q.bull.getJob('j6'))?.getState(), (s) => s === 'completed');
});
