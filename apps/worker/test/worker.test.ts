import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { enqueueJob, JobStore, type VideoQueue } from '@vidgen/queue';
import { JobProgressTracker, ProgressSubscriber, type ProgressEvent } from '@vidgen/progress';
import { STAGE_NAMES, stageIndex } from '@vidgen/core';
import { resolveFfmpegPath } from '@vidgen/ffmpeg';
import { VideoMetadataManager } from '@vidgen/metadata';
import { API_MAIN, WORKER_MAIN, createTestEnv, spawnNode, startWorkerProcess, waitFor, type TestEnv } from '@vidgen/testing';
import { openJobWorld, type JobWorld } from './support/world';

describe('a bad configuration refuses to start', () => {
  it.each([
    ['api', API_MAIN],
    ['worker', WORKER_MAIN],
  ])('%s exits 1 listing every problem', async (_name, main) => {
    const child = spawnNode(main, { REDIS_URL: 'http://not-redis', API_PORT: 'seventy', S3_PART_SIZE_BYTES: '10', NODE_ENV: 'production' });
    const { code } = await child.exited;
    expect(code).toBe(1);
    const out = child.output();
    for (const name of ['REDIS_URL', 'API_PORT', 'S3_PART_SIZE_BYTES', 'API_KEYS', 'SIGNING_SECRET']) expect(out).toContain(name);
    expect(out).toMatch(/Invalid configuration \(\d+ problems\)/);
  });
});

describe('worker against real Redis, S3 and ffmpeg', () => {
  let env: TestEnv;
  let redis: Redis;
  let store: JobStore;
  let tracker: JobProgressTracker;
  let queue: VideoQueue;
  let world: JobWorld;
  let dir: string;

  beforeAll(async () => {
    env = await createTestEnv();
    world = openJobWorld(env);
    ({ redis, store, tracker, queue } = world);
    dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-worker-test-'));
  });

  afterAll(async () => {
    await world?.close();
    await rm(dir, { recursive: true, force: true });
    await env.cleanup();
  });

  async function submit(jobId: string, configuration: Record<string, unknown>) {
    await store.create({ job_id: jobId, owner: 'tester', correlation_id: `corr-${jobId}`, configuration: configuration as never, created_at: new Date().toISOString() });
    await enqueueJob(queue, { job_id: jobId, correlation_id: `corr-${jobId}` }, { attempts: 3, backoffMs: 100 });
  }

  it('completes a storyboard job with stage records and every output', async () => {
    const worker = await startWorkerProcess(env.env);
    try {
      const jobId = '11111111-1111-4111-8111-111111111111';
      await submit(jobId, { topic: 'Storyboard', quality: 'low', subtitles: true, narration: false, scenes: [{ title: 'One', text: 'First scene.', duration_seconds: 1 }, { text: 'Second scene.', duration_seconds: 1 }] });
      const record = await waitFor(() => store.get(jobId), (r) => r?.status === 'completed' || r?.status === 'failed', { timeoutMs: 60000, what: 'job end' });
      expect(record!.status).toBe('completed');
      const kinds = record!.result!.outputs.map((o) => o.kind);
      expect(kinds.slice(0, 3)).toEqual(['video', 'subtitles', 'poster']);
      expect(kinds.filter((k) => k === 'thumbnail')).toHaveLength(5);
      expect(kinds).toEqual(expect.arrayContaining(['sprite', 'storyboard', 'hls_playlist', 'hls_segment']));
      expect(kinds.at(-1)).toBe('hls_master');
      const snapshot = await tracker.getSnapshot(jobId);
      expect(snapshot).toMatchObject({ status: 'completed', percentage: 100, attempt: 1 });
      const byName = Object.fromEntries(snapshot!.stages.map((s) => [s.name, s.status]));
      expect(byName).toMatchObject({ planning: 'done', rendering_scenes: 'done', combining: 'done', generating_thumbnails: 'done', encoding_renditions: 'done', uploading: 'done' });
      // Terminal records expire (30 days by default); active ones never do.
      expect(await redis.ttl(store.key(jobId))).toBeGreaterThan(29 * 24 * 3600);
    } finally {
      await worker.stop();
    }
  });

  it('publishes a medium HLS job whose progress only rises, every stage reporting (stills and the 480p rung from the render pass)', async () => {
    const sub = new Redis(env.env.REDIS_URL!);
    const subscriber = new ProgressSubscriber({ redis: sub, prefix: env.prefix });
    const worker = await startWorkerProcess(env.env);
    try {
      const jobId = '33333333-3333-4333-8333-333333333333';
      const events: ProgressEvent[] = [];
      await subscriber.start();
      subscriber.on(jobId, (e) => events.push(e));
      await submit(jobId, { topic: 'Progress', quality: 'medium', subtitles: false, narration: false, scenes: [{ layout: 'stat', title: 'Share', value: 42, suffix: '%', label: 'held', duration_seconds: 3 }] });
      const record = await waitFor(() => store.get(jobId), (r) => r?.status === 'completed' || r?.status === 'failed', { timeoutMs: 90000, what: 'job end' });
      expect(record!.status).toBe('completed');
      const outputs = record!.result!.outputs;
      expect(outputs.filter((o) => o.kind === 'hls_playlist' && o.key.endsWith('/index.m3u8')).map((o) => o.rendition)).toEqual(['480p', '720p']);
      expect(outputs.filter((o) => o.kind === 'thumbnail')).toHaveLength(5);
      // One output model (issue 16): each thumbnail keeps the time its frame was painted at, the I-frame
      // playlists are flagged, and the metadata holds the very records the result holds.
      const times = outputs.filter((o) => o.kind === 'thumbnail').map((o) => o.time_seconds!);
      expect(times.every((t, i) => t > (times[i - 1] ?? 0) && t < record!.result!.duration_seconds)).toBe(true);
      expect(outputs.filter((o) => o.i_frames).map((o) => [o.kind, o.key.split('/').slice(-2).join('/')])).toEqual([
        ['hls_playlist', '480p/iframes.m3u8'],
        ['hls_playlist', '720p/iframes.m3u8'],
      ]);
      expect((await new VideoMetadataManager(redis, env.prefix).getByJob(jobId))!.outputs).toEqual(outputs);
      await waitFor(async () => events.at(-1), (e) => e?.status === 'completed', { timeoutMs: 10000, what: 'the completed event' });
      const ordered = [...events].sort((a, b) => a.version - b.version);
      expect(new Set(ordered.map((e) => e.current_stage)).size).toBeGreaterThan(3);
      // Progress only rises, and the stages come in the registry's order.
      for (let i = 1; i < ordered.length; i++) {
        expect({ at: i, rises: ordered[i]!.percentage >= ordered[i - 1]!.percentage, stageOrder: stageIndex(ordered[i]!.current_stage) >= stageIndex(ordered[i - 1]!.current_stage) }).toEqual({ at: i, rises: true, stageOrder: true });
      }
      expect(ordered.at(-1)!.percentage).toBe(100);
      // Every stage reported and ended done (none skipped: the job has HLS).
      const snapshot = await tracker.getSnapshot(jobId);
      const byName = Object.fromEntries(snapshot!.stages.map((s) => [s.name, s.status]));
      expect(byName).toMatchObject(Object.fromEntries(STAGE_NAMES.filter((n) => n !== 'queued').map((n) => [n, 'done'])));
    } finally {
      await worker.stop();
      await subscriber.close();
      sub.disconnect();
    }
  });

  it('ends a job at once on a permanent rendering failure, with a categorized error and no further attempts', async () => {
    // A real binary that answers -version (so readiness passes) and fails every render.
    const fake = path.join(dir, 'ffmpeg-broken');
    await writeFile(fake, `#!/bin/sh\nif [ "$1" = "-version" ]; then exec "${resolveFfmpegPath()}" -version; fi\necho "deliberately broken encoder" >&2\nexit 3\n`);
    await chmod(fake, 0o755);
    const worker = await startWorkerProcess({ ...env.env, FFMPEG_PATH: fake });
    try {
      const jobId = '22222222-2222-4222-8222-222222222222';
      await submit(jobId, { topic: 'Broken', quality: 'low', subtitles: false, narration: false, scenes: [{ text: 'x', duration_seconds: 1 }] });
      const record = await waitFor(() => store.get(jobId), (r) => r?.status === 'failed' || r?.status === 'completed', { timeoutMs: 30000, what: 'job end' });
      expect(record!.status).toBe('failed');
      expect(record!.attempt).toBe(1);
      expect(record!.error).toMatchObject({ code: 'RENDER_FAILED', category: 'rendering', retryable: false, stage: 'rendering_scenes', attempt: 1 });
      expect(JSON.stringify(record!.error!.details)).toContain('deliberately broken encoder');
      // The worker writes the record first, then ends the progress run, then Bull ends the job: each follows shortly.
      await waitFor(async () => (await tracker.getSnapshot(jobId))!.status, (st) => st === 'failed', { timeoutMs: 5000, what: 'the progress run to end failed' });
      // Permanent: Bull holds no further attempt (the finished Bull job stays as history, not waiting or delayed).
      const bullState = await waitFor(async () => (await queue.getJob(jobId))!.getState(), (st) => st !== 'active', { timeoutMs: 5000, what: 'Bull to end the job' });
      expect(['completed', 'failed']).toContain(bullState);
      const lines = worker.logLines().filter((l) => l.job_id === jobId);
      expect(lines.some((l) => l.message === 'job attempt failed' && l.correlation_id === `corr-${jobId}`)).toBe(true);
    } finally {
      await worker.stop();
    }
  });

  it('exits 0 on SIGTERM', async () => {
    const worker = await startWorkerProcess(env.env);
    expect(await worker.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
