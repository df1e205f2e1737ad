import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { deleteKeysWithPrefix } from '@vidgen/queue';
import { areaOf, brokenInvariants, cannon, median, parseCommandStats, startMinimal, summarizeProfile, usecBetween, type Minimal } from '@vidgen/load';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('profile summary', () => {
  it('shares self time of the busy samples by function and by where the code lives', () => {
    const frame = (id: number, functionName: string, url: string, hitCount: number) => ({ id, callFrame: { functionName, url, lineNumber: 9 }, hitCount });
    const summary = summarizeProfile({
      nodes: [
        frame(1, '(idle)', '', 500),
        frame(2, 'getSignedUrl', 'file:///repo/node_modules/.pnpm/x/node_modules/@aws-sdk/s3-request-presigner/dist-cjs/index.js', 30),
        frame(3, 'readJob', 'file:///repo/packages/progress/dist/tracker.js', 10),
        frame(4, 'writev', '', 40),
        frame(5, 'emit', 'node:events', 20),
      ],
    });
    expect(summary.busy_samples).toBe(100);
    expect(summary.functions[0]).toEqual({ name: 'writev', self_pct: 40 });
    expect(summary.functions).toContainEqual({ name: 'getSignedUrl @aws-sdk/s3-request-presigner/dist-cjs/index.js:10', self_pct: 30 });
    expect(summary.areas).toEqual([
      { name: '(native)', self_pct: 40 },
      { name: '@aws-sdk/s3-request-presigner', self_pct: 30 },
      { name: 'node:internal', self_pct: 20 },
      { name: '@vidgen/progress', self_pct: 10 },
    ]);
    // Without call edges every frame is its own caller.
    expect(summary.callers).toEqual(summary.areas);
    expect(areaOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(areaOf('file:///r/node_modules/express/lib/router.js', 'x')).toBe('express');
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});

describe('profile summary by caller', () => {
  it("counts node's own code and native frames to their nearest caller in a package", () => {
    const frame = (id: number, functionName: string, url: string, hitCount: number, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, hitCount, children });
    const summary = summarizeProfile({
      nodes: [
        frame(1, '(root)', '', 0, [2, 6, 8]),
        frame(2, 'sendCommand', 'file:///r/node_modules/.pnpm/ioredis@5/node_modules/ioredis/built/Redis.js', 10, [3]),
        frame(3, 'write', 'node:internal/streams/writable', 5, [4]),
        frame(4, 'writeUtf8String', '', 25),
        frame(6, 'processTicksAndRejections', 'node:internal/process/task_queues', 0, [7]),
        frame(7, 'writev', '', 40),
        frame(8, '(garbage collector)', '', 20),
      ],
    });
    expect(summary.areas).toEqual([
      { name: '(native)', self_pct: 65 },
      { name: '(garbage collector)', self_pct: 20 },
      { name: 'ioredis', self_pct: 10 },
      { name: 'node:internal', self_pct: 5 },
    ]);
    // The Redis client's socket write is the client's; a write with no package above it stays native.
    expect(summary.callers).toEqual([
      { name: 'ioredis', self_pct: 40 },
      { name: '(native)', self_pct: 40 },
      { name: '(garbage collector)', self_pct: 20 },
    ]);
  });
});

describe('the load loop against the minimal app', () => {
  const prefix = `vidgen-test:load-${randomBytes(4).toString('hex')}`;
  let dir: string;
  let minimal: Minimal;
  let redis: Redis;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-load-'));
    redis = new Redis(REDIS_URL);
    minimal = await startMinimal({ redisUrl: REDIS_URL, prefix, logFile: path.join(dir, 'minimal.log') });
  });

  afterAll(async () => {
    await minimal?.stop();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts only 2xx answers toward a rate and reports everything else as a broken invariant', async () => {
    const submit = await cannon({ url: `${minimal.url}/jobs`, method: 'POST', body: JSON.stringify({ topic: 't' }), connections: 4, amount: 40 });
    expect(submit).toMatchObject({ ok: 40, non2xx: 0, errors: 0 });
    expect(submit.rps).toBeGreaterThan(0);
    expect(brokenInvariants('submit', submit)).toEqual([]);
    expect(await redis.llen(`${prefix}:minimal:wait`)).toBe(40);

    const created = (await (await fetch(`${minimal.url}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"topic":"t"}' })).json()) as { id: string };
    expect(await redis.hget(`${prefix}:record:${created.id}`, 'status')).toBe('queued');
    const id = created.id;
    const get = await cannon({ url: `${minimal.url}/jobs/${id}`, connections: 4, amount: 40 });
    expect(get).toMatchObject({ ok: 40, non2xx: 0 });

    const missing = await cannon({ url: `${minimal.url}/jobs/not-a-job`, connections: 4, amount: 20 });
    expect(missing).toMatchObject({ ok: 0, rps: 0, non2xx: 20, statuses: { '404': 20 } });
    expect(brokenInvariants('get', missing)).toEqual(['get: no 2xx answer', 'get: 20 non-2xx answers {"404":20}']);
  });
});

describe('Redis time between two INFO commandstats readings', () => {
  it('sums every command but INFO, counting commands first seen in the second reading', () => {
    const before = parseCommandStats('# Commandstats\r\ncmdstat_evalsha:calls=10,usec=500,usec_per_call=50.00\r\ncmdstat_info:calls=1,usec=40,usec_per_call=40.00\r\n');
    const after = parseCommandStats(
      '# Commandstats\r\ncmdstat_evalsha:calls=30,usec=2500,usec_per_call=83.33\r\ncmdstat_info:calls=2,usec=90,usec_per_call=45.00\r\ncmdstat_hgetall:calls=5,usec=25,usec_per_call=5.00\r\n',
    );
    expect(after.get('evalsha')).toEqual({ calls: 30, usec: 2500 });
    expect(usecBetween(before, after)).toBe(2000 + 25);
  });
});
