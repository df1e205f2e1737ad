import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { VidgenError } from '@vidgen/core';
import { startRedisServer, type RedisServer } from '@vidgen/embedded';
import { JobProgressTracker, createProgressCallback } from '@vidgen/progress';

/**
 * Redis dies mid-job: the callback keeps going without throwing and counts
 * failures; once Redis is back (same port and AOF dir) the next update lands
 * on top of the state written before the crash.
 */
let dir: string;
let server: RedisServer;
let client: Redis;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vidgen-progress-outage-'));
  // A private server we may kill (never the shared one); fsync-always AOF, so acknowledged writes survive SIGKILL.
  server = await startRedisServer({ dir, appendOnly: true, fsyncEveryWrite: true });
  // Fail fast while disconnected, but keep reconnecting forever.
  client = new Redis({ host: '127.0.0.1', port: server.port, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  client.on('error', () => {});
  if (client.status !== 'ready') await once(client, 'ready');
});

afterAll(async () => {
  if (client.status === 'ready') await client.quit();
  else client.disconnect();
  await server.kill();
  await rm(dir, { recursive: true, force: true });
});

it('keeps reporting through an outage and catches up after Redis returns', async () => {
  const prefix = 'vidgen-test:outage';
  const jobId = 'outage-job';
  const tracker = new JobProgressTracker({ redis: client, prefix });
  const run = await tracker.startRun(jobId, { attempt: 1 });
  if (!run.ok) throw new Error(run.reason);
  const errors: VidgenError[] = [];
  const report = createProgressCallback({ tracker, jobId, runId: run.runId, onFailure: (err) => errors.push(err) });

  report('planning', 100);
  report('rendering_scenes', 40);
  await report.flush();
  const before = await tracker.getSnapshot(jobId);
  expect(before).toMatchObject({ stage: 'rendering_scenes', stage_percentage: 40 });

  const closed = once(client, 'close');
  await server.kill();
  await closed;

  expect(() => {
    report('rendering_scenes', 80);
    report('combining', 10);
    report('combining', 20);
  }).not.toThrow();
  await report.flush();
  expect(report.failures).toBeGreaterThanOrEqual(1);
  expect(errors.length).toBe(report.failures);
  expect(errors.every((e) => e.code === 'REDIS_UNAVAILABLE' && e.category === 'dependency_unavailable')).toBe(true);

  const direct = await tracker.update(jobId, run.runId, 'combining', 25);
  expect(direct).toMatchObject({ ok: false, reason: 'redis_unavailable' });
  expect(!direct.ok && direct.error?.category).toBe('dependency_unavailable');
  await expect(tracker.getSnapshot(jobId)).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
  await expect(tracker.readJob(jobId)).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
  await expect(tracker.getSnapshots([jobId])).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });

  server = await startRedisServer({ dir, appendOnly: true, fsyncEveryWrite: true, port: server.port });
  if (client.status !== 'ready') await once(client, 'ready');

  report('combining', 30);
  await report.flush();
  const after = await tracker.getSnapshot(jobId);
  // The newest value landed, on top of the state from before the crash (AOF).
  expect(after).toMatchObject({ stage: 'combining', stage_percentage: 30, run_id: run.runId, version: (before?.version ?? 0) + 1 });
  expect(after?.stages.find((s) => s.name === 'planning')).toEqual(before?.stages.find((s) => s.name === 'planning'));
  expect(after?.stages.find((s) => s.name === 'rendering_scenes')).toMatchObject({
    status: 'done',
    started_at: before?.stages.find((s) => s.name === 'rendering_scenes')?.started_at,
  });
});
