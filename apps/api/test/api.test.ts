import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@vidgen/config';
import { QUALITY_PRESETS } from '@vidgen/core';
import { probe, resolveFfprobePath } from '@vidgen/ffmpeg';
import { createLogger } from '@vidgen/observability';
import { createS3Client } from '@vidgen/storage';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';
import { openSse } from './sse-client';

const KEY1 = 'owner1-key-aaaa';
const KEY1B = 'owner1-key-rotated';
const KEY2 = 'owner2-key-bbbb';

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;
let apiLogs = '';

const auth = (key = KEY1) => ({ Authorization: `Bearer ${key}` });

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `owner1:${KEY1},owner1:${KEY1B},owner2:${KEY2}` });
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => (apiLogs += d.toString()));
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream }));
  worker = await startWorkerProcess(env.env);
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await env?.cleanup();
});

async function waitForStatus(jobId: string, statuses: string[], key = KEY1) {
  return waitFor(
    async () => (await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth(key))).body,
    (b) => statuses.includes(b.status),
    { timeoutMs: 60000, what: `job ${jobId} to reach ${statuses.join('|')}` },
  );
}

describe('submit → worker → completed', () => {
  it('renders a real MP4, stores it in the bucket with the recorded size, and follows the correlation id', async () => {
    const submitted = await request(api.server)
      .post('/api/v1/videos/generate')
      .set(auth())
      .set('X-Correlation-ID', 'it-corr-0001')
      .send({ configuration: { topic: 'Tides', context: 'The moon pulls the oceans.', quality: 'low' } });
    expect(submitted.status).toBe(202);
    expect(submitted.headers['x-correlation-id']).toBe('it-corr-0001');
    const jobId = submitted.body.job_id as string;
    expect(submitted.body).toEqual({ job_id: jobId, status: 'queued', progress: { percentage: 0, stage: 'queued' }, links: { self: `http://127.0.0.1:${api.port}/api/v1/videos/jobs/${jobId}` } });
    expect(submitted.headers.location).toBe(`/api/v1/videos/jobs/${jobId}`);

    const job = await waitForStatus(jobId, ['completed', 'failed']);
    expect(job).toMatchObject({ job_id: jobId, status: 'completed', progress: { percentage: 100, stage: 'completed' }, attempt: 1, error: null });
    expect(job.configuration).toMatchObject({ topic: 'Tides', quality: 'low' });
    for (const f of ['created_at', 'updated_at', 'started_at', 'completed_at']) expect(Date.parse(job[f])).not.toBeNaN();

    const [output] = job.result.outputs;
    expect(output).toMatchObject({ kind: 'video', content_type: 'video/mp4', width: 854, height: 480 });
    expect(output.key).toBe(`videos/owner1/${jobId}/video.mp4`);

    // The stored object has exactly the recorded size (an independent client asks the store).
    const s3 = createS3Client({ ...loadConfig(env.env).s3 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: output.key }));
    s3.destroy();
    expect(head.ContentLength).toBe(output.size_bytes);

    // The signed URL works as given; ffprobe sees h264 at the preset's size and rate.
    const res = await fetch(job.result.video_url);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(output.size_bytes);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-dl-'));
    try {
      const file = path.join(dir, 'v.mp4');
      await writeFile(file, bytes);
      const facts = await probe(file, { ffprobePath: resolveFfprobePath() });
      const preset = QUALITY_PRESETS.low;
      expect(facts.video).toMatchObject({ codec: 'h264', width: preset.width, height: preset.height, fps: preset.fps, pix_fmt: 'yuv420p' });
      expect(facts.audio).toMatchObject({ codec: 'aac', channels: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    // One correlation id from the HTTP request through the queue into the worker's log lines.
    const workerLines = worker.logLines().filter((l) => l.job_id === jobId);
    expect(workerLines.length).toBeGreaterThan(1);
    expect(workerLines.every((l) => l.correlation_id === 'it-corr-0001' && l.service === 'worker')).toBe(true);
    expect(workerLines.map((l) => l.message)).toEqual(expect.arrayContaining(['job started', 'job completed']));
    const apiLine = apiLogs.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((l) => l.message === 'job submitted');
    expect(apiLine).toMatchObject({ correlation_id: 'it-corr-0001', job_id: jobId, owner: 'owner1', service: 'api' });
  });

  it('lets every key of an owner see its jobs and hides them from other owners', async () => {
    const submitted = await request(api.server).post('/api/v1/videos/generate').set(auth()).send({ configuration: { topic: 'Owners', quality: 'low' } });
    expect(submitted.status).toBe(202);
    const jobId = submitted.body.job_id;
    expect((await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth(KEY1B))).status).toBe(200);
    const foreign = await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth(KEY2));
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('JOB_NOT_FOUND');
    await waitForStatus(jobId, ['completed', 'failed']);
  });
});

describe('event stream against the real worker', () => {
  // Needs the worker to report through JobProgressTracker (startRun, updates, finish after store.complete).
  it('streams ordered progress of a real render to completed at 100, then ends', async () => {
    const submitted = await request(api.server).post('/api/v1/videos/generate').set(auth()).send({ configuration: { topic: 'Streams', quality: 'low' } });
    expect(submitted.status).toBe(202);
    const jobId = submitted.body.job_id as string;
    const { links } = (await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth())).body;
    // The token link, as a browser EventSource would use it (no Authorization header).
    const stream = await openSse(links.events);
    expect(stream.status).toBe(200);
    await waitFor(async () => stream.ended, Boolean, { timeoutMs: 60000, what: `the event stream of ${jobId} to end` });

    const { events } = stream;
    for (let i = 1; i < events.length; i += 1) {
      expect(events[i]!.id).toBeGreaterThan(events[i - 1]!.id);
      expect(events[i]!.data.progress.percentage).toBeGreaterThanOrEqual(events[i - 1]!.data.progress.percentage);
    }
    // Progress of the run itself reached the client, not only the start and the end.
    expect(events.some((e) => e.data.status === 'processing' && e.data.progress.stage !== 'queued')).toBe(true);
    const last = events.at(-1)!;
    expect(last.data).toMatchObject({ job_id: jobId, status: 'completed', progress: { percentage: 100, stage: 'completed' } });
    const job = (await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth())).body;
    expect(last.data.progress).toEqual(job.progress);
  });
});

describe('error answers', () => {
  const expectError = (res: request.Response, status: number, code: string, category: string) => {
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.error).toMatchObject({ code, category, message: expect.any(String), suggested_action: expect.any(String), retryable: expect.any(Boolean) });
    expect(res.body.error.correlation_id).toBe(res.headers['x-correlation-id']);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js:\d+|<html/i);
  };

  it('401 without a key or with a wrong one', async () => {
    expectError(await request(api.server).post('/api/v1/videos/generate').send({ configuration: { topic: 'x' } }), 401, 'UNAUTHENTICATED', 'authentication');
    expectError(await request(api.server).get('/api/v1/videos/jobs/x').set(auth('wrong-key-zzzz')), 401, 'UNAUTHENTICATED', 'authentication');
  });

  it('400 with the offending fields for invalid bodies, including unknown fields', async () => {
    const res = await request(api.server)
      .post('/api/v1/videos/generate')
      .set(auth())
      .send({ configuration: { topic: '', quality: 'cinematic', colour: 'red' }, priority: 1 });
    expectError(res, 400, 'VALIDATION_FAILED', 'validation');
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['configuration.colour', 'configuration.quality', 'configuration.topic', 'priority']);
    expectError(await request(api.server).post('/api/v1/videos/generate').set(auth()).send({}), 400, 'VALIDATION_FAILED', 'validation');
    expectError(
      await request(api.server).post('/api/v1/videos/generate').set(auth()).send({ configuration: { topic: 'x'.repeat(201) } }),
      400,
      'VALIDATION_FAILED',
      'validation',
    );
  });

  it('400 for ultra where it is not allowed', async () => {
    const res = await request(api.server).post('/api/v1/videos/generate').set(auth()).send({ configuration: { topic: 'x', quality: 'ultra' } });
    expectError(res, 400, 'QUALITY_NOT_ALLOWED', 'validation');
  });

  it('400 for malformed JSON, 415 for another content type, 413 over 1 MiB', async () => {
    expectError(
      await request(api.server).post('/api/v1/videos/generate').set(auth()).set('Content-Type', 'application/json').send('{"configuration": {'),
      400,
      'MALFORMED_JSON',
      'validation',
    );
    expectError(await request(api.server).post('/api/v1/videos/generate').set(auth()).set('Content-Type', 'text/plain').send('topic=x'), 415, 'UNSUPPORTED_MEDIA_TYPE', 'validation');
    const big = JSON.stringify({ configuration: { topic: 'x', context: 'y'.repeat(1024 * 1024 + 10) } });
    expectError(await request(api.server).post('/api/v1/videos/generate').set(auth()).set('Content-Type', 'application/json').send(big), 413, 'PAYLOAD_TOO_LARGE', 'validation');
  });

  it('404 for unknown routes and unknown jobs', async () => {
    expectError(await request(api.server).get('/nope'), 404, 'ROUTE_NOT_FOUND', 'not_found');
    expectError(await request(api.server).get('/api/v1/videos/nope').set(auth()), 404, 'ROUTE_NOT_FOUND', 'not_found');
    expectError(await request(api.server).get('/api/v1/videos/jobs/00000000-0000-4000-8000-000000000000').set(auth()), 404, 'JOB_NOT_FOUND', 'not_found');
    expectError(await request(api.server).get('/api/v1/videos/jobs/not-a-uuid').set(auth()), 404, 'JOB_NOT_FOUND', 'not_found');
  });

  it('405 with Allow for a wrong method on a known path', async () => {
    const res = await request(api.server).get('/api/v1/videos/generate').set(auth());
    expectError(res, 405, 'METHOD_NOT_ALLOWED', 'validation');
    expect(res.headers.allow).toBe('POST');
    const del = await request(api.server).delete('/health');
    expectError(del, 405, 'METHOD_NOT_ALLOWED', 'validation');
    expect(del.headers.allow).toBe('GET, HEAD');
  });

  it('makes a correlation id when the client sends none or an unsafe one', async () => {
    const res = await request(api.server).get('/health');
    expect(res.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await request(api.server).get('/health').set('X-Correlation-ID', 'bad id <script>');
    expect(unsafe.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health', () => {
  it('answers liveness and readiness with each check', async () => {
    expect((await request(api.server).get('/health')).body).toEqual({ status: 'ok' });
    const ready = await request(api.server).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', failing: [], checks: { redis: { status: 'ok' }, storage: { status: 'ok' } } });
    const w = await fetch(`${worker.healthUrl}/health/ready`);
    expect(await w.json()).toMatchObject({ status: 'ok', checks: { redis: { status: 'ok' }, storage: { status: 'ok' }, ffmpeg: { status: 'ok' }, ffprobe: { status: 'ok' } } });
  });
});
