import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { FairShare, JobStore, OwnerBacklog, deleteKeysWithPrefix, fairShareKeys, ownerQueuedKey, type TransactionReplies } from '@vidgen/queue';

// The submit's one transaction (JobStore.createWith with OwnerBacklog.addIn and FairShare.tagIn) on a real Redis:
// the same record, backlog entry and tags as the separate calls it replaces.
const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `vgtest-submit-tx-${randomBytes(4).toString('hex')}`;
let redis: Redis;
let store: JobStore;
let backlog: OwnerBacklog;
let fair: FairShare;

let n = 0;
const id = () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`;
const job = (owner: string) => ({ job_id: id(), owner, correlation_id: 'c', configuration: { topic: 't', quality: 'low' as const }, created_at: new Date().toISOString() });

beforeAll(() => {
  redis = new Redis(SHARED_REDIS_URL);
  store = new JobStore(redis, prefix);
  backlog = new OwnerBacklog(redis, prefix);
  fair = new FairShare(redis, prefix);
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

it('writes the record, the backlog entry and the fair-share tag together, tags as tagFor does', async () => {
  const first = job('alice');
  let readTag: ((replies: TransactionReplies) => number) | undefined;
  const created = await store.createWith(first, (tx) => {
    backlog.addIn(tx, 'alice', first.job_id);
    readTag = fair.tagIn(tx, 'alice', 12.2);
  });
  expect(created.record).toMatchObject({ job_id: first.job_id, owner: 'alice', status: 'queued' });
  expect(await store.get(first.job_id)).toEqual(created.record);
  expect(await redis.zscore(ownerQueuedKey(prefix, 'alice'), first.job_id)).not.toBeNull();
  expect(readTag!(created.replies)).toBe(13); // ceil(12.2) from virtual now 0
  // The next tag of the same owner follows the first, exactly as tagFor would have made it.
  expect(await fair.tagFor('alice', 1)).toBe(14);

  // Without the backlog entry the tag's reply is found at its own place too; another owner starts from virtual now.
  const second = job('bob');
  let readBob: ((replies: TransactionReplies) => number) | undefined;
  const again = await store.createWith(second, (tx) => {
    readBob = fair.tagIn(tx, 'bob', 0.2);
  });
  expect(readBob!(again.replies)).toBe(1);
  expect(Number(await redis.hget(fairShareKeys(prefix).owners, 'bob'))).toBe(1);
  expect(await backlog.count('bob', 1)).toBe(0);
});

it('create() alone still writes just the record and its index', async () => {
  const plain = job('carol');
  const record = await store.create(plain);
  expect(record).toMatchObject({ job_id: plain.job_id, status: 'queued' });
  expect(await redis.exists(ownerQueuedKey(prefix, 'carol'))).toBe(0);
});
