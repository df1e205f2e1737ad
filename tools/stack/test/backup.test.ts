import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { JobProgressTracker } from '@vidgen/progress';
import { createVideoQueue, JobStore, scanKeys, type VideoQueue } from '@vidgen/queue';
import { deleteKeysAt, SHARED_REDIS_URL, uniqueName } from '@vidgen/testing';

const ROOT = path.resolve(__dirname, '../../..');
const EXPORT = path.join(ROOT, 'tools/stack/dist/backup/export.js');
const IMPORT = path.join(ROOT, 'tools/stack/dist/backup/import.js');

type Dump = Record<string, { type: string; value: unknown; expires: boolean }>;

/** Every key under the prefix except Bull's, type-aware and order-normalized: compared before and after. */
async function dump(redis: Redis, prefix: string): Promise<Dump> {
  const out: Dump = {};
  for await (const keys of scanKeys(redis, prefix, 500)) {
    for (const key of keys.filter((k) => !/^[^:]+:(video-generation|maintenance|webhooks):/.test(k))) {
      const type = await redis.type(key);
      const value =
        type === 'hash' ? await redis.hgetall(key)
        : type === 'zset' ? await redis.zrange(key, 0, -1, 'WITHSCORES')
        : type === 'set' ? (await redis.smembers(key)).sort()
        : type === 'list' ? await redis.lrange(key, 0, -1)
        : await redis.get(key);
      out[key] = { type, value, expires: (await redis.pttl(key)) > 0 };
    }
  }
  return out;
}

describe('pnpm metadata:export / metadata:import', () => {
  const prefix = uniqueName('vgbackup');
  const env = { PATH: process.env.PATH ?? '', REDIS_URL: SHARED_REDIS_URL, QUEUE_PREFIX: prefix };
  const cli = (script: string, ...args: string[]) => spawnSync(process.execPath, [script, ...args], { env, encoding: 'utf8' });
  let redis: Redis;
  let queue: VideoQueue;
  let dir: string;
  const jobIds = ['job-a', 'job-b', 'job-c'].map((id) => uniqueName(id));

  beforeAll(async () => {
    redis = new Redis(SHARED_REDIS_URL);
    queue = createVideoQueue({ redisUrl: SHARED_REDIS_URL, prefix });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-backup-'));
  });
  afterAll(async () => {
    await queue.close();
    redis.disconnect();
    await deleteKeysAt(SHARED_REDIS_URL, prefix);
    await rm(dir, { recursive: true, force: true });
  });

  it('restores every job, its progress and every other key of the prefix, without Bull keys', async () => {
    const store = new JobStore(redis, prefix);
    const tracker = new JobProgressTracker({ redis, prefix, terminalTtlSeconds: 3600 });
    for (const id of jobIds) {
      await store.create({ job_id: id, owner: 'backup-owner', correlation_id: `c-${id}`, configuration: { topic: id, quality: 'low' } as never, created_at: new Date().toISOString() });
      await queue.add({ job_id: id, correlation_id: `c-${id}` });
    }
    const run = await tracker.startRun(jobIds[0]!, { attempt: 1 });
    if (!run.ok) throw new Error(`startRun refused: ${JSON.stringify(run)}`);
    expect((await tracker.update(jobIds[0]!, run.runId, 'planning', 50)).ok).toBe(true);
    const run2 = await tracker.startRun(jobIds[1]!, { attempt: 1 });
    if (!run2.ok) throw new Error('startRun refused');
    expect((await tracker.finish(jobIds[1]!, run2.runId, 'failed')).ok).toBe(true);
    // Every type the export handles, including what later features may add under the prefix.
    await redis.set(`${prefix}:misc:string`, 'text ✓', 'PX', 600000);
    await redis.rpush(`${prefix}:misc:list`, 'b', 'a', 'b');
    await redis.sadd(`${prefix}:misc:set`, 'x', 'y');
    await redis.zadd(`${prefix}:misc:zset`, '+inf', 'top', '1.5', 'mid', '0.1', 'low');
    await redis.set(`${prefix}x:not-ours`, 'outside the prefix');
    await redis.rpush(`${prefix}:webhooks:wait`, 'a Bull job id of another queue');

    const before = await dump(redis, prefix);
    expect(Object.keys(before).length).toBeGreaterThanOrEqual(jobIds.length * 2 + 4);
    expect(await redis.exists(`${prefix}:video-generation:wait`)).toBe(1);

    const file = path.join(dir, 'backup.jsonl');
    const exported = cli(EXPORT, '--out', file);
    expect({ status: exported.status, stderr: exported.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ vidgen_export: 1, prefix });
    const exportedKeys = lines.slice(1).map((l) => (JSON.parse(l) as { key: string }).key);
    expect(exportedKeys.sort()).toEqual(Object.keys(before).sort());

    await deleteKeysAt(SHARED_REDIS_URL, prefix);
    expect(await dump(redis, prefix)).toEqual({});
    expect(await redis.get(`${prefix}x:not-ours`)).toBe('outside the prefix');
    await redis.del(`${prefix}x:not-ours`);

    const imported = cli(IMPORT, '--in', file);
    expect({ status: imported.status, stderr: imported.stderr }).toEqual({ status: 0, stderr: '' });
    expect(imported.stdout).toContain(`restored ${exportedKeys.length} keys`);
    expect(await dump(redis, prefix)).toEqual(before);
    for (const id of jobIds) expect(await store.get(id)).toMatchObject({ job_id: id, owner: 'backup-owner' });
    expect(await tracker.getSnapshot(jobIds[0]!)).toMatchObject({ stage: 'planning' });
    expect(await tracker.getSnapshot(jobIds[1]!)).not.toBeNull();
    expect(await redis.exists(`${prefix}:video-generation:wait`, `${prefix}:webhooks:wait`)).toBe(0);
  });

  it('refuses to overwrite existing keys, and replaces them with --force', async () => {
    const file = path.join(dir, 'backup.jsonl');
    const key = `${prefix}:misc:string`;
    await redis.set(key, 'changed since the backup');
    const refused = cli(IMPORT, '--in', file);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/refusing to overwrite existing keys \(use --force/);
    expect(await redis.get(key)).toBe('changed since the backup');

    const forced = cli(IMPORT, '--in', file, '--force');
    expect({ status: forced.status, stderr: forced.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await redis.get(key)).toBe('text ✓');
    expect(await redis.pttl(key)).toBeGreaterThan(0);
    expect(await redis.lrange(`${prefix}:misc:list`, 0, -1)).toEqual(['b', 'a', 'b']);
  });

  it('never overwrites an earlier backup file, and explains its usage', () => {
    const again = cli(EXPORT, '--out', path.join(dir, 'backup.jsonl'));
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/EEXIST/);
    const usage = cli(EXPORT);
    expect(usage.status).toBe(1);
    expect(usage.stderr).toMatch(/usage: pnpm metadata:export --out/);
  });
});
