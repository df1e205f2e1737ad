import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startRedisServer, type RedisServer } from '@vidgen/embedded';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore, createVideoQueue, type VideoQueue } from '@vidgen/queue';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv } from '@vidgen/testing';
import { longJob, submitJob, waitForStage, writeRealTimeFfmpeg } from './support/jobs';

// A private redis-server with an append-only file: never the shared one, and its data survives the restart.
let dir: string;
let server: RedisServer;
let env: TestEnv;
let redis: Redis;
let store: JobStore;
let tracker: JobProgressTracker;
let queue: VideoQueue;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-outage-test-'));
  server = await startRedisServer({ dir: path.join(dir, 'redis'), appendOnly: true, fsyncEveryWrite: true });
  env = await createTestEnv({ REDIS_URL: server.url });
  redis = new Redis(server.url, { maxRetriesPerRequest: null });
  store = new JobStore(redis, env.prefix);
  tracker = new JobProgressTracker({ redis, prefix: env.prefix });
  queue = createVideoQueue({ redisUrl: server.url, prefix: env.prefix });
});

afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
  await env?.cleanup();
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('a job running while Redis goes away completes once Redis is back', async () => {
  const worker = await startWorkerProcess({ ...env.env, FFMPEG_PATH: await writeRealTimeFfmpeg(dir) });
  try {
    const jobId = '77777777-7777-4777-8777-777777777777';
    await submitJob(store, queue, jobId, longJob(3, 3), 3);
    await waitForStage(tracker, jobId, 'rendering_scenes');
    await server.stop();
    // Down until the worker has noticed it (its connections report errors), then back on the same port and data.
    await waitFor(async () => worker.logLines().some((l) => l.message === 'redis error' || l.message === 'queue error'), Boolean, { timeoutMs: 10000, what: 'the worker to see the outage' });
    server = await startRedisServer({ dir: path.join(dir, 'redis'), appendOnly: true, fsyncEveryWrite: true, port: server.port });

    const done = await waitFor(() => store.get(jobId), (r) => r?.status === 'completed' || r?.status === 'failed', { timeoutMs: 45000, what: 'the job to end' });
    expect(done).toMatchObject({ status: 'completed', error: null });
    expect(await redis.hget(store.key(jobId), 'finalizations')).toBe('1');
    expect(worker.child.exitCode).toBeNull();
  } finally {
    await worker.stop();
  }
});
