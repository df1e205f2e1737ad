import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { plannedVideoSeconds } from '@vidgen/core';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

// The hard bound on rendered length (issue 13, item 4) on the real stack: the API's speech estimate
// at submit, and the worker's backstop with real espeak-ng speech.

const KEY = 'narration-owner-key-0123456789';
const auth = { Authorization: `Bearer ${KEY}` };

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;

beforeAll(async () => {
  // 10 s of video at most, three attempts: a retried failure would show as attempt 2 or 3.
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, NARRATION_ENABLED: 'true', MAX_VIDEO_SECONDS: '10', JOB_ATTEMPTS: '3', RATE_LIMIT_SUBMISSIONS: '0' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  worker = await startWorkerProcess(env.env);
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await env?.cleanup();
});

const submit = (configuration: Record<string, unknown>) => request(api.server).post('/api/v1/videos/generate').set(auth).send({ configuration: { quality: 'low', subtitles: false, ...configuration } });

it('refuses a one-second narrated scene of 500 digits (title and text at their limits) at submit with 400: its speech estimate passes the 60 s scene limit', async () => {
  const res = await submit({ topic: 'Digits', narration: true, scenes: [{ title: '4'.repeat(100), text: '4'.repeat(400), duration_seconds: 1 }] });
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('VALIDATION_FAILED');
  expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'configuration.scenes[0]', type: 'duration.max', limit: 60 })]);
});

it('refuses a video whose planned length with the estimated speech passes MAX_VIDEO_SECONDS', async () => {
  const scenes = [{ text: 'The moon pulls on the oceans, and two bulges of water circle the Earth each day.', duration_seconds: 1 }, { text: 'Sunlight scatters off air molecules, and blue light scatters most of all.', duration_seconds: 1 }];
  const res = await submit({ topic: 'Tides', narration: true, scenes });
  expect(res.status).toBe(400);
  expect(res.body.error.details[0]).toMatchObject({ field: 'configuration.scenes', type: 'duration.max', limit: 10 });
  // Silent, the same scenes are two seconds long.
  expect((await submit({ topic: 'Tides', narration: false, scenes })).status).toBe(202);
});

it('fails a job whose real speech overruns the limit with VIDEO_TOO_LONG on its first attempt, never retried, and gives its video seconds back', async () => {
  // Years read slowly ("nineteen sixty-nine"): espeak-ng takes ~10 s for what the estimate calls ~4 s.
  const years = '1969 2024 1492 1066 2001 1945';
  const configuration = { topic: 'Years', narration: true, scenes: [{ text: years, duration_seconds: 1 }, { text: years, duration_seconds: 1 }] };
  expect(plannedVideoSeconds(configuration)).toBeLessThanOrEqual(10);
  const res = await submit(configuration);
  expect(res.status).toBe(202);
  const job = await waitFor(
    async () => (await request(api.server).get(`/api/v1/videos/jobs/${res.body.job_id}`).set(auth)).body,
    (b) => b.status === 'failed' || b.status === 'completed',
    { timeoutMs: 90000, what: 'the narrated job to end' },
  );
  expect(job).toMatchObject({ status: 'failed', attempt: 1, error: { code: 'VIDEO_TOO_LONG', retryable: false, stage: 'rendering_scenes', attempt: 1 } });
  expect(job.error.details.duration_seconds).toBeGreaterThan(10);
  expect(job.result).toBeNull();
  // A permanent failure before the video was rendered gives its reserved seconds back (OWNER_DAILY_VIDEO_SECONDS,
  // default 3600): once the silent two-second job of the test above has ended too, nothing is reserved and only
  // its rendered length is used.
  const usage = await waitFor(
    async () => (await request(api.server).get('/api/v1/usage').set(auth)).body,
    (u) => u.video_seconds.reserved === 0,
    { timeoutMs: 60000, what: 'every reservation to be settled or released' },
  );
  expect(usage.video_seconds.limit).toBe(3600);
  expect(usage.video_seconds.used).toBeGreaterThan(1.5);
  expect(usage.video_seconds.used).toBeLessThan(2.5);
}, 150000);
