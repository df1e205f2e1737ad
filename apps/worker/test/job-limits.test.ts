import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@vidgen/config';
import { freePort } from '@vidgen/embedded';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore, type VideoQueue } from '@vidgen/queue';
import { createS3Client } from '@vidgen/storage';
import { API_MAIN, createTestEnv, spawnNode, startWorkerProcess, waitFor, type ChildHandle, type TestEnv } from '@vidgen/testing';
import { longJob, processesUnder, scratchEntries, submitJob, waitForStage, writeRealTimeFfmpeg } from './support/jobs';
import { openJobWorld, type JobWorld } from './support/world';

let env: TestEnv;
let redis: Redis;
let store: JobStore;
let tracker: JobProgressTracker;
let queue: VideoQueue;
let world: JobWorld;
let dir: string;
let slowFfmpeg: string;

beforeAll(async () => {
  env = await createTestEnv();
  world = openJobWorld(env);
  ({ redis, store, tracker, queue } = world);
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-limits-test-'));
  slowFfmpeg = await writeRealTimeFfmpeg(dir);
});

afterAll(async () => {
  await world?.close();
  await rm(dir, { recursive: true, force: true });
  await env?.cleanup();
});

describe('per-attempt time limit', () => {
  it('aborts a runaway render as JOB_TIMEOUT: queued with the error while attempts are left, then failed; no ffmpeg left', async () => {
    const scratch = path.join(env.scratchDir, 'timeout');
    const worker = await startWorkerProcess({ ...env.env, FFMPEG_PATH: slowFfmpeg, SCRATCH_DIR: scratch, JOB_TIMEOUT_MS: '10000' });
    try {
      const jobId = '44444444-4444-4444-8444-444444444444';
      await submitJob(store, queue, jobId, longJob(12, 4), 2);
      const retrying = await waitFor(() => store.get(jobId), (r) => r?.status !== 'processing' && r?.error !== null, { timeoutMs: 30000, what: 'the first attempt to time out' });
      expect(retrying).toMatchObject({ status: 'queued', attempt: 1, error: { code: 'JOB_TIMEOUT', category: 'timeout', retryable: true, stage: 'rendering_scenes', attempt: 1 } });
      expect(await processesUnder(scratch)).toEqual([]);

      const failed = await waitFor(() => store.get(jobId), (r) => r?.status === 'failed' || r?.status === 'completed', { timeoutMs: 30000, what: 'the last attempt to time out' });
      expect(failed).toMatchObject({ status: 'failed', attempt: 2, error: { code: 'JOB_TIMEOUT', retryable: true, attempt: 2 } });
      expect(await processesUnder(scratch)).toEqual([]);
      expect(await scratchEntries(scratch)).toEqual([]);
      expect((await tracker.getSnapshot(jobId))!.status).toBe('failed');
    } finally {
      await worker.stop();
    }
  });
});

describe('cancel of an active job through the API', () => {
  let api: ChildHandle;
  let base: string;
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${base}/api/v1/videos${route}`, { method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // The API as its own process, open development mode (owner "anonymous").
    api = spawnNode(API_MAIN, { ...env.env, API_PORT: String(port) });
    await waitFor(async () => (await fetch(`${base}/health`).catch(() => null))?.status ?? 0, (s) => s === 200, { timeoutMs: 20000, what: 'the API' });
  });

  afterAll(async () => {
    await api?.stop();
  });

  it('stops ffmpeg within seconds, keeps the job cancelled and removes its objects', async () => {
    const scratch = path.join(env.scratchDir, 'cancel');
    const worker = await startWorkerProcess({ ...env.env, FFMPEG_PATH: slowFfmpeg, SCRATCH_DIR: scratch });
    const s3 = createS3Client({ ...loadConfig(env.env).s3 });
    try {
      const submitted = await call('POST', '/generate', { configuration: longJob(6, 4) });
      expect(submitted.status).toBe(202);
      const jobId = submitted.body.job_id as string;
      await waitForStage(tracker, jobId, 'rendering_scenes');
      await waitFor(async () => (await processesUnder(scratch)).length, (n) => n > 0, { timeoutMs: 10000, intervalMs: 50, what: 'ffmpeg to run' });
      // A partial output of the job, as an interrupted upload would leave it.
      const prefix = `videos/anonymous/${jobId}/`;
      await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${prefix}partial.bin`, Body: 'x' }));

      const res = await call('POST', `/jobs/${jobId}/cancel`);
      expect(res.status).toBe(202);
      await waitFor(() => processesUnder(scratch), (p) => p.length === 0, { timeoutMs: 5000, intervalMs: 50, what: 'ffmpeg to stop' });
      await waitFor(async () => worker.logLines().some((l) => l.job_id === jobId && typeof l.message === 'string' && l.message.startsWith('the job ended elsewhere')), Boolean, {
        timeoutMs: 10000,
        what: 'the worker to give the attempt up',
      });
      const record = await store.get(jobId);
      expect(record).toMatchObject({ status: 'cancelled', error: null, result: null });
      expect((await call('GET', `/jobs/${jobId}`)).body.status).toBe('cancelled');
      await waitFor(
        async () => (await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: prefix }))).KeyCount ?? 0,
        (count) => count === 0,
        { timeoutMs: 20000, what: 'the job objects to be purged' },
      );
      await waitFor(() => scratchEntries(scratch), (e) => e.length === 0, { timeoutMs: 5000, what: 'the scratch dir to be removed' });
      // The attempt ended without an error for Bull: nothing is retried (the finished Bull job stays as history).
      expect(await (await queue.getJob(jobId))!.getState()).toBe('completed');

      // POST /retry runs it as a new Bull job (<id>-r1); the record's attempts keep counting.
      await worker.stop();
      const fast = await startWorkerProcess({ ...env.env, SCRATCH_DIR: path.join(env.scratchDir, 'cancel-retry') });
      try {
        expect((await call('POST', `/jobs/${jobId}/retry`)).status).toBe(202);
        const done = await waitFor(() => store.get(jobId), (r) => r?.status === 'completed' || r?.status === 'failed', { timeoutMs: 30000, what: 'the retried job to end' });
        expect(done).toMatchObject({ status: 'completed', attempt: 2, error: null });
        expect(await redis.hget(store.key(jobId), 'finalizations')).toBe('1');
      } finally {
        await fast.stop();
      }
    } finally {
      s3.destroy();
      await worker.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM past the grace period returns the active job to the queue, cleans up and exits 0; another worker completes it', async () => {
    const scratch = path.join(env.scratchDir, 'sigterm');
    const first = await startWorkerProcess({ ...env.env, FFMPEG_PATH: slowFfmpeg, SCRATCH_DIR: scratch, WORKER_SHUTDOWN_GRACE_MS: '500' });
    const jobId = '55555555-5555-4555-8555-555555555555';
    try {
      await submitJob(store, queue, jobId, longJob(4, 4), 1);
      await waitForStage(tracker, jobId, 'rendering_scenes');
      expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    } finally {
      await first.stop('SIGKILL');
    }
    const returned = await store.get(jobId);
    expect(returned).toMatchObject({ status: 'queued', attempt: 1, error: { code: 'WORKER_SHUTDOWN', retryable: true, stage: 'rendering_scenes' } });
    // Back in Bull (delayed by its backoff, or waiting), although it was the job's only attempt.
    expect(['delayed', 'waiting']).toContain(await (await queue.getJob(jobId))!.getState());
    expect(await processesUnder(scratch)).toEqual([]);
    expect(await scratchEntries(scratch)).toEqual([]);

    const second = await startWorkerProcess({ ...env.env, SCRATCH_DIR: path.join(env.scratchDir, 'sigterm-2') });
    try {
      const done = await waitFor(() => store.get(jobId), (r) => r?.status === 'completed' || r?.status === 'failed', { timeoutMs: 30000, what: 'the job to complete on another worker' });
      expect(done).toMatchObject({ status: 'completed', attempt: 2, error: null });
      expect(await redis.hget(store.key(jobId), 'finalizations')).toBe('1');
    } finally {
      await second.stop();
    }
  });
});
