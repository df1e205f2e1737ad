import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { JobStore, createVideoQueue, deleteKeysWithPrefix, enqueueJob, queueJobIdFor, queuePositions, type VideoQueue } from '@vidgen/queue';

// Queue positions on a real Redis and a real Bull queue with no worker, so every job stays waiting.
// @vidgen/testing depends on this package, so the test makes its own unique prefix on the shared Redis.
const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `vgtest-qpos-${randomBytes(4).toString('hex')}`;
let redis: Redis;
let queue: VideoQueue;
let store: JobStore;

let n = 0;
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const configuration = { topic: 't', quality: 'low' as const };

async function submit(): Promise<string> {
  const jobId = id();
  await store.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration, created_at: new Date().toISOString() });
  await enqueueJob(queue, { job_id: jobId, correlation_id: 'c' }, { attempts: 1, backoffMs: 1000 });
  return jobId;
}

beforeAll(() => {
  redis = new Redis(SHARED_REDIS_URL);
  queue = createVideoQueue({ redisUrl: SHARED_REDIS_URL, prefix });
  store = new JobStore(redis, prefix);
});

afterAll(async () => {
  await queue.close();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

it('answers the places of many jobs in one call: run order, resubmitted jobs by their Bull id, null when not waiting', async () => {
  expect(await queuePositions(queue, redis, prefix, [])).toEqual([]);
  const first = await submit();
  const second = await submit();
  // A resubmitted job waits under `<id>-r<n>`; its record says which n.
  const third = await submit();
  await queue.getJob(third).then((j) => j!.remove());
  await store.cancel(third);
  const outcome = await store.resubmit(third);
  if (!outcome.ok) throw new Error('resubmit refused');
  await enqueueJob(queue, { job_id: third, correlation_id: 'c' }, { attempts: 1, backoffMs: 1000, bullJobId: queueJobIdFor(third, outcome.resubmission) });
  const unknown = id();

  expect(await queuePositions(queue, redis, prefix, [first, second, third, unknown])).toEqual([0, 1, 2, null]);
  // Order of the answer follows the order asked.
  expect(await queuePositions(queue, redis, prefix, [third, first])).toEqual([2, 0]);

  // Taken off the wait list (a worker picked it up, or it was removed): no place.
  await queue.getJob(first).then((j) => j!.remove());
  expect(await queuePositions(queue, redis, prefix, [first, second, third])).toEqual([null, 0, 1]);
});

it('answers null for every job while the wait list is empty', async () => {
  const other = `${prefix}:empty`; // under the prefix the cleanup deletes
  const empty = createVideoQueue({ redisUrl: SHARED_REDIS_URL, prefix: other });
  try {
    expect(await queuePositions(empty, redis, other, [id(), id()])).toEqual([null, null]);
  } finally {
    await empty.close();
  }
});

it('prioritized jobs (fair share), ties included: the same places as a scan of the wait list', async () => {
  const other = `${prefix}:prio`;
  const q = createVideoQueue({ redisUrl: SHARED_REDIS_URL, prefix: other });
  const s = new JobStore(redis, other);
  try {
    const ids: string[] = [];
    // Priorities with many ties, in an order that interleaves them.
    for (const priority of [5, 3, 5, 1, 3, 3, 8, 1, 5, 2, 2, 8, 3, 1, 5]) {
      const jobId = id();
      await s.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration, created_at: new Date().toISOString() });
      await enqueueJob(q, { job_id: jobId, correlation_id: 'c' }, { attempts: 1, backoffMs: 1000, priority });
      ids.push(jobId);
    }
    // The truth: distance from the run end (the right) of Bull's wait list.
    const wait = await redis.lrange(q.toKey('wait'), 0, -1);
    const truth = ids.map((j) => wait.length - 1 - wait.indexOf(j));
    expect(await queuePositions(q, redis, other, ids)).toEqual(truth);
    // A picked-up job leaves both the list and the priority set; the others move up.
    await q.getJob(wait[wait.length - 1]!).then((j) => j!.remove());
    const after = await redis.lrange(q.toKey('wait'), 0, -1);
    expect(await queuePositions(q, redis, other, ids)).toEqual(ids.map((j) => (after.includes(j) ? after.length - 1 - after.indexOf(j) : null)));
  } finally {
    await q.close();
  }
});

it('a list Bull reordered (a stalled job pushed back to the run end): still the places of a scan', async () => {
  const other = `${prefix}:moved`;
  const q = createVideoQueue({ redisUrl: SHARED_REDIS_URL, prefix: other });
  const s = new JobStore(redis, other);
  try {
    const ids: string[] = [];
    for (const priority of [4, 2, 4, 1, 2, 4, 3]) {
      const jobId = id();
      await s.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration, created_at: new Date().toISOString() });
      await enqueueJob(q, { job_id: jobId, correlation_id: 'c' }, { attempts: 1, backoffMs: 1000, priority });
      ids.push(jobId);
    }
    // What moveStalledJobsToWait does to a stalled job: back to the run end, whatever its priority.
    const waitKey = q.toKey('wait');
    await redis.lrem(waitKey, 1, ids[0]!);
    await redis.rpush(waitKey, ids[0]!);
    const wait = await redis.lrange(waitKey, 0, -1);
    expect(await queuePositions(q, redis, other, ids)).toEqual(ids.map((j) => wait.length - 1 - wait.indexOf(j)));
  } finally {
    await q.close();
  }
});
