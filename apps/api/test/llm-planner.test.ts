import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import request from 'supertest';
import Redis from 'ioredis';
import { loadConfig } from '@vidgen/config';
import { resolveFfmpegPath } from '@vidgen/ffmpeg';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, fakeScenePlan, startFakeLlm, startWorkerProcess, waitFor, type FakeLlm, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

// Issue 20 end to end: PLANNER=llm on the real API and a real worker process against a local
// OpenAI-compatible fake; the video's frames show the fake's scene titles (tesseract).

const run = promisify(execFile);
const KEY = 'llm-planner-owner-key-0123456789';
const auth = { Authorization: `Bearer ${KEY}` };
const TITLES = ['Ocean Tides Explained', 'The Moon Pulls', 'Two Water Bulges', 'High Tide Twice Daily', 'Goodbye From The Sea'];

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;
let fake: FakeLlm;
let redis: Redis;
let scratch: string;

beforeAll(async () => {
  // The fake plays by topic: a good plan, or text that is never a plan.
  fake = await startFakeLlm((req) => {
    const topic = JSON.parse(req.body.messages?.[1]?.content ?? '{}').topic as string;
    return topic.startsWith('Broken') ? { content: 'I would rather write a poem.' } : { json: fakeScenePlan(topic === 'Tides' ? TITLES : [`${topic} title`, 'Middle', 'The end']) };
  });
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, PLANNER: 'llm', LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-7b', LLM_API_KEY: 'sk-fake-secret', LLM_TIMEOUT_MS: '5000', RATE_LIMIT_SUBMISSIONS: '0' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  worker = await startWorkerProcess(env.env);
  redis = new Redis(env.env.REDIS_URL!);
  scratch = await mkdtemp(path.join(os.tmpdir(), 'vidgen-llm-e2e-'));
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await fake?.close();
  redis?.disconnect();
  await env?.cleanup();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const CONTEXT = 'The moon pulls the oceans. Two bulges of water follow it. Most coasts see two high tides a day.';
const configuration = { topic: 'Tides', context: CONTEXT, quality: 'medium', subtitles: false, formats: ['mp4'], planner_hints: { audience: 'children', language: 'en' } };

async function endOf(jobId: string) {
  return waitFor(
    async () => (await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth)).body,
    (b) => b.status === 'completed' || b.status === 'failed',
    { timeoutMs: 240000, what: `job ${jobId} to end` },
  );
}

it('GET /capabilities lists the planners: rules, and the language model with its model name', async () => {
  const res = await request(api.server).get('/api/v1/capabilities').set(auth);
  expect(res.body.planners).toEqual({ default: 'llm', available: [{ name: 'rules' }, { name: 'llm', model: 'fake-7b' }] });
});

it('POST /plan previews the model plan; the same request again comes from the owner cache', async () => {
  const first = await request(api.server).post('/api/v1/videos/plan').set(auth).send({ configuration });
  expect(first.status).toBe(200);
  expect(first.body.plan.scenes.map((s: { content: { title: string } }) => s.content.title)).toEqual(TITLES);
  expect(first.body.planner).toMatchObject({ planner: 'llm', model: 'fake-7b', cached: false, calls: 1 });
  expect(fake.requests).toHaveLength(1);
  expect(fake.requests[0]!.authorization).toBe('Bearer sk-fake-secret');
  const again = await request(api.server).post('/api/v1/videos/plan').set(auth).send({ configuration });
  expect(again.body.planner).toMatchObject({ planner: 'llm', cached: true, calls: 0 });
  expect(again.body.plan).toEqual(first.body.plan);
  expect(fake.requests).toHaveLength(1);
  expect(await redis.keys(`${env.prefix}:plan-cache:owner1:*`)).toHaveLength(1);
});

it("a job with PLANNER=llm renders the model's scenes: its frames show the fake's titles", async () => {
  const preview = (await request(api.server).post('/api/v1/videos/plan').set(auth).send({ configuration })).body.plan;
  const res = await request(api.server).post('/api/v1/videos/generate').set(auth).send({ configuration });
  expect(res.status).toBe(202);
  const job = await endOf(res.body.job_id);
  expect(job).toMatchObject({ status: 'completed', warnings: [] });
  // The worker asked nobody: the preview's plan was in the owner's cache.
  expect(fake.requests).toHaveLength(1);
  const planning = job.progress.stages.find((s: { name: string }) => s.name === 'planning');
  expect(planning.detail).toMatchObject({ planner: 'llm', model: 'fake-7b', cached: true });
  expect(job.result.duration_seconds).toBeCloseTo(preview.total_seconds, 0);

  const video = path.join(scratch, 'tides.mp4');
  await writeFile(video, Buffer.from(await (await fetch(job.result.video_url)).arrayBuffer()));
  const seen: string[] = [];
  for (const scene of preview.scenes as Array<{ index: number; start_seconds: number; duration_seconds: number }>) {
    // Late in the scene, before its outgoing transition: every entrance has finished.
    const at = scene.start_seconds + scene.duration_seconds * 0.7;
    const png = path.join(scratch, `scene-${scene.index}.png`);
    await run(resolveFfmpegPath(process.env.FFMPEG_PATH), ['-v', 'error', '-ss', String(at), '-i', video, '-frames:v', '1', '-y', png]);
    const { stdout } = await run('tesseract', [png, 'stdout', '--psm', '3']);
    seen.push(stdout.replace(/\s+/g, ' ').trim());
  }
  for (const [i, title] of TITLES.entries()) expect({ scene: i, text: seen[i] }).toEqual({ scene: i, text: expect.stringContaining(title) });
}, 300000);

it('a model that never answers with a plan: the job still completes, planned by the rules planner, with a warning', async () => {
  const before = fake.requests.length;
  const res = await request(api.server)
    .post('/api/v1/videos/generate')
    .set(auth)
    .send({ configuration: { ...configuration, topic: 'Broken model', quality: 'low' } });
  const job = await endOf(res.body.job_id);
  expect(job.status).toBe('completed');
  // The first answer, then one repair round.
  expect(fake.requests.length - before).toBe(2);
  expect(job.warnings).toEqual([
    expect.objectContaining({ code: 'PLANNER_FALLBACK', stage: 'planning', details: expect.objectContaining({ reason: 'invalid_json', model: 'fake-7b', answer_excerpt: 'I would rather write a poem.' }) }),
  ]);
  const planning = job.progress.stages.find((s: { name: string }) => s.name === 'planning');
  expect(planning.detail).toMatchObject({ planner: 'rules', model: 'fake-7b', fallback: true, calls: 2 });
  expect(planning.detail.tokens_in).toBeGreaterThan(0);
  expect(planning.detail.tokens_out).toBeGreaterThan(0);
}, 300000);
