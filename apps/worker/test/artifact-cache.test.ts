import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { freePort, startEmbeddedS3, type EmbeddedS3 } from '@vidgen/embedded';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore, enqueueJob, queueJobIdFor, type VideoQueue } from '@vidgen/queue';
import { createS3Client, ensureBucket } from '@vidgen/storage';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv } from '@vidgen/testing';
import { ArtifactCache } from '../src/handlers/artifact-cache';
import type { PreparedDelivery } from '@vidgen/jobs';
import { longJob, scratchEntries, submitJob } from './support/jobs';
import { openJobWorld, type JobWorld } from './support/world';

const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } } as never;

describe('ArtifactCache', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-artifacts-unit-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function prepared(): Promise<PreparedDelivery> {
    const scratch = path.join(dir, 'scratch');
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true });
    await writeFile(path.join(scratch, 'video.mp4'), 'video');
    await writeFile(path.join(scratch, 'poster.jpg'), 'poster');
    const facts = { duration_seconds: 2, width: 854, height: 480 } as never;
    return {
      outputs: [
        { kind: 'video', output: 'video.mp4', filePath: path.join(scratch, 'video.mp4'), contentType: 'video/mp4', width: 854, height: 480 },
        { kind: 'poster', output: 'poster.jpg', filePath: path.join(scratch, 'poster.jpg'), contentType: 'image/jpeg' },
      ],
      video: facts,
      durationSeconds: 2,
      variants: [],
    };
  }

  it('moves the outputs out of the scratch dir and gives them back with the same facts', async () => {
    let now = 1_000_000;
    const cache = new ArtifactCache({ dir: path.join(dir, 'cache'), ttlMs: 60000, logger, now: () => now });
    const p = await prepared();
    expect(await cache.keep('job-1', p)).toBe(true);
    expect(await scratchEntries(path.join(dir, 'scratch'))).toEqual([]);
    const back = await cache.load('job-1');
    expect(back).toMatchObject({ durationSeconds: 2, video: p.video, variants: [] });
    expect(back!.outputs.map((o) => [o.kind, o.output, o.contentType])).toEqual(p.outputs.map((o) => [o.kind, o.output, o.contentType]));
    expect((await stat(back!.outputs[0]!.filePath)).size).toBe(5);
    now += 60000;
    // Expired: a miss, and the entry is gone.
    expect(await cache.load('job-1')).toBeNull();
    expect(await readdir(path.join(dir, 'cache'))).toEqual([]);
  });

  it('treats an incomplete entry or an unsafe id as a miss', async () => {
    const cache = new ArtifactCache({ dir: path.join(dir, 'cache'), ttlMs: 60000, logger });
    expect(await cache.keep('../escape', await prepared())).toBe(false);
    await cache.keep('job-2', await prepared());
    const entry = path.join(dir, 'cache', 'job-2');
    await rm(path.join(entry, (await readdir(entry)).find((n) => n.endsWith('.jpg'))!));
    expect(await cache.load('job-2')).toBeNull();
  });

  it('sweeps entries older than the TTL', async () => {
    const cache = new ArtifactCache({ dir: path.join(dir, 'cache'), ttlMs: 60000, logger });
    await cache.keep('old', await prepared());
    await cache.keep('new', await prepared());
    const past = new Date(Date.now() - 120000);
    await utimes(path.join(dir, 'cache', 'old'), past, past);
    expect(await cache.sweep()).toEqual(['old']);
    expect(await readdir(path.join(dir, 'cache'))).toEqual(['new']);
  });
});

describe('a job whose upload failed', () => {
  let env: TestEnv;
  let s3: EmbeddedS3;
  let s3Dir: string;
  let store: JobStore;
  let tracker: JobProgressTracker;
  let queue: VideoQueue;
  let world: JobWorld;
  let port: number;

  beforeAll(async () => {
    env = await createTestEnv();
    // An S3 server of this test alone, stopped and restarted on the same port and data.
    port = await freePort();
    s3Dir = path.join(env.scratchDir, 'own-s3');
    s3 = await startEmbeddedS3({ port, directory: s3Dir });
    const client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 2 });
    await ensureBucket(client, env.bucket);
    client.destroy();
    world = openJobWorld(env);
    ({ store, tracker, queue } = world);
  });

  afterAll(async () => {
    await world?.close();
    await s3?.close();
    await env?.cleanup();
  });

  const ended = (jobId: string) => waitFor(() => store.get(jobId), (r) => r?.status === 'completed' || r?.status === 'failed', { timeoutMs: 30000, what: `job ${jobId} to end` });
  const stagesOf = async (jobId: string) => Object.fromEntries((await tracker.getSnapshot(jobId))!.stages.map((s) => [s.name, s.status]));
  async function retry(jobId: string) {
    const r = await store.resubmit(jobId);
    if (!r.ok) throw new Error(`resubmit refused: ${String(r.status)}`);
    await enqueueJob(queue, { job_id: jobId, correlation_id: `corr-${jobId}` }, { attempts: 1, backoffMs: 100, bullJobId: queueJobIdFor(jobId, r.resubmission) });
  }

  it('fails retryable and keeps its outputs; a retry uploads them without rendering, or renders again once they are gone', async () => {
    const cacheDir = path.join(env.scratchDir, 'artifacts');
    const scratch = path.join(env.scratchDir, 'work-artifacts');
    const worker = await startWorkerProcess({ ...env.env, S3_ENDPOINT: s3.endpoint, SCRATCH_DIR: scratch, ARTIFACT_CACHE_DIR: cacheDir, S3_RETRY_ATTEMPTS: '1', S3_MAX_ATTEMPTS: '1' });
    try {
      const cached = '88888888-8888-4888-8888-888888888881';
      const expired = '88888888-8888-4888-8888-888888888882';
      await s3.close();
      for (const jobId of [cached, expired]) await submitJob(store, queue, jobId, { ...longJob(2, 1), formats: ['mp4', 'hls'] }, 1);
      for (const jobId of [cached, expired]) {
        expect(await ended(jobId)).toMatchObject({ status: 'failed', error: { category: 'storage', retryable: true, stage: 'uploading' } });
      }
      expect((await readdir(cacheDir)).sort()).toEqual([cached, expired]);
      expect(await scratchEntries(scratch)).toEqual([]);

      s3 = await startEmbeddedS3({ port, directory: s3Dir });
      // The cache of one job is gone (expired and swept): its retry is a full run.
      await rm(path.join(cacheDir, expired), { recursive: true, force: true });
      for (const jobId of [cached, expired]) await retry(jobId);
      for (const jobId of [cached, expired]) expect(await ended(jobId)).toMatchObject({ status: 'completed', attempt: 2, error: null });

      expect(await stagesOf(cached)).toMatchObject({ rendering_scenes: 'skipped', combining: 'skipped', uploading: 'done', finalizing: 'done' });
      expect(await stagesOf(expired)).toMatchObject({ rendering_scenes: 'done', combining: 'done', uploading: 'done' });
      expect(worker.logLines().filter((l) => typeof l.message === 'string' && l.message.startsWith('uploading the outputs of an earlier attempt')).map((l) => l.job_id)).toEqual([cached]);
      const record = (await store.get(cached))!;
      const client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 2 });
      try {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: `videos/tester/${cached}/` }));
        expect(listed.KeyCount).toBe(record.result!.outputs.length);
        expect(record.result!.outputs.map((o) => o.kind)).toEqual(expect.arrayContaining(['video', 'poster', 'hls_master']));
      } finally {
        client.destroy();
      }
      // Uploaded: the cache entry goes.
      expect(await readdir(cacheDir)).toEqual([]);
    } finally {
      await worker.stop();
    }
  });
});
