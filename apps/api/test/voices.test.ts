import { PassThrough } from 'node:stream';
import request from 'supertest';
import Redis from 'ioredis';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { startVoiceHeartbeat, type VoiceHeartbeat } from '@vidgen/queue';
import { API_MAIN, createTestEnv, spawnNode, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

// Issue 14 at the API: the voices live workers announce (through the real registry in Redis),
// NARRATION_DEFAULT written into the job, and the voice fields refused with the field and the
// allowed values. The worker's own announcement is tested in apps/worker/test/narration.test.ts.

const KEY = 'voices-owner-key-0123456789';
const auth = { Authorization: `Bearer ${KEY}` };
const quiet = () => createLogger({ service: 'api', format: 'json', stream: new PassThrough() });

let env: TestEnv;
let api: RunningApi;
let apiWithout: RunningApi;
let redis: Redis;
const beats: VoiceHeartbeat[] = [];

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, NARRATION_ENABLED: 'true', NARRATION_DEFAULT: 'true', RATE_LIMIT_SUBMISSIONS: '0' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), quiet());
  // The same Redis prefix, on a deployment without narration.
  apiWithout = await startApi(loadConfig({ ...env.env, NARRATION_ENABLED: 'false', NARRATION_DEFAULT: 'false', API_PORT: '0' }), quiet());
  redis = new Redis(env.env.REDIS_URL!);
});

afterAll(async () => {
  await Promise.all(beats.map((b) => b.stop()));
  await api?.stop();
  await apiWithout?.stop();
  redis?.disconnect();
  await env?.cleanup();
});

const capabilities = (on = api) => request(on.server).get('/api/v1/capabilities').set(auth);
const submit = (configuration: Record<string, unknown>, on = api) => request(on.server).post('/api/v1/videos/generate').set(auth).send({ configuration: { quality: 'low', ...configuration } });
const plan = (configuration: Record<string, unknown>) => request(api.server).post('/api/v1/videos/plan').set(auth).send({ configuration: { quality: 'low', ...configuration } });
const job = async (id: string) => (await request(api.server).get(`/api/v1/videos/jobs/${id}`).set(auth)).body;

function announce(workerId: string, engine: string, voices: string[]): Promise<VoiceHeartbeat> {
  return startVoiceHeartbeat({ redis, prefix: env.prefix, workerId, engine, voices: voices.map((id) => ({ id, engine: id.split(':')[0]!, name: id.split(':')[1]! })) }).then((b) => {
    beats.push(b);
    return b;
  });
}

describe('before any worker announces voices', () => {
  it('lists no voices, says narration is on by default, and lists the music presets and caption modes', async () => {
    const res = await capabilities();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ voices: [], default_voice: null, narration: { enabled: true, default: true }, music_presets: ['none', 'calm', 'bright'], caption_modes: ['burned', 'sidecar'] });
    expect(res.headers['cache-control']).toBe('private, max-age=10');
  });

  it('answers 503 (retryable) to a job naming a voice: none can be checked', async () => {
    const res = await submit({ topic: 'Tides', voice: 'festival:cmu_us_slt_arctic_hts' });
    expect(res.status).toBe(503);
    // A 5xx carries no details: its code's own message says which field could not be checked.
    expect(res.body.error).toMatchObject({ code: 'VOICES_UNAVAILABLE', retryable: true });
    expect(res.body.error.message).toMatch(/configuration\.voice/);
  });

  it('accepts a narrated job naming no voice (it waits in the queue like any job) and records narration: true from NARRATION_DEFAULT, subtitles with it', async () => {
    const res = await submit({ topic: 'Tides' });
    expect(res.status).toBe(202);
    // Subtitles follow: what is spoken, by default, for a narrated job; none by default for a silent one.
    expect((await job(res.body.job_id)).configuration).toMatchObject({ narration: true, subtitles: true });
    const silent = await submit({ topic: 'Tides', narration: false });
    expect((await job(silent.body.job_id)).configuration).toMatchObject({ narration: false, subtitles: false });
  });
});

describe('with live workers', () => {
  let second: VoiceHeartbeat;
  beforeAll(async () => {
    await announce('host-a:worker-1', 'festival', ['festival:cmu_us_slt_arctic_hts', 'flite:slt', 'flite:rms', 'espeak:en-us']);
    second = await announce('host-b:worker-2', 'espeak', ['espeak:en-us', 'espeak:en-gb']);
  });

  it('lists every voice some live worker offers, best engine first, with how many workers offer it, and the default voice', async () => {
    const { body } = await capabilities();
    expect(body.voices).toEqual([
      { id: 'festival:cmu_us_slt_arctic_hts', engine: 'festival', name: 'cmu_us_slt_arctic_hts', workers: 1 },
      { id: 'flite:slt', engine: 'flite', name: 'slt', workers: 1 },
      { id: 'flite:rms', engine: 'flite', name: 'rms', workers: 1 },
      { id: 'espeak:en-us', engine: 'espeak', name: 'en-us', workers: 2 },
      { id: 'espeak:en-gb', engine: 'espeak', name: 'en-gb', workers: 1 },
    ]);
    expect(body.default_voice).toBe('festival:cmu_us_slt_arctic_hts');
  });

  it('accepts a live voice and keeps it in the job; refuses another with 400 listing the live voices', async () => {
    const ok = await submit({ topic: 'Tides', voice: 'espeak:en-gb' });
    expect(ok.status).toBe(202);
    expect((await job(ok.body.job_id)).configuration).toMatchObject({ voice: 'espeak:en-gb', narration: true });
    const bad = await submit({ topic: 'Tides', voice: 'flite:kal16' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details).toEqual([
      expect.objectContaining({ field: 'configuration.voice', type: 'any.only', allowed: ['festival:cmu_us_slt_arctic_hts', 'flite:slt', 'flite:rms', 'espeak:en-us', 'espeak:en-gb'] }),
    ]);
    // The plan route checks exactly as /generate does.
    expect((await plan({ topic: 'Tides', voice: 'flite:kal16' })).body.error.details[0]).toMatchObject({ field: 'configuration.voice', type: 'any.only' });
    expect((await plan({ topic: 'Tides', voice: 'flite:slt' })).status).toBe(200);
  });

  it("forgets a worker's voices once it withdraws them", async () => {
    await second.stop();
    const { body } = await capabilities();
    expect(body.voices.map((v: { id: string }) => v.id)).toEqual(['festival:cmu_us_slt_arctic_hts', 'flite:slt', 'flite:rms', 'espeak:en-us']);
    expect(body.voices.at(-1).workers).toBe(1);
    expect((await submit({ topic: 'Tides', voice: 'espeak:en-gb' })).status).toBe(400);
  });
});

describe('voice fields in the schema', () => {
  it('keeps scene narration apart from what the scene shows', async () => {
    const res = await submit({ topic: 'Baking', scenes: [{ layout: 'bullets', title: 'You need', items: ['Flour', 'Eggs'], narration: 'You need flour, then eggs.' }] });
    expect(res.status).toBe(202);
    expect((await job(res.body.job_id)).configuration.scenes[0]).toEqual({ layout: 'bullets', title: 'You need', items: ['Flour', 'Eggs'], narration: 'You need flour, then eggs.' });
  });

  it('refuses bad values with 400 naming the field and, for lists, the allowed values', async () => {
    const res = await submit({ topic: 'T', music: { preset: 'loud', volume: 2 }, captions: 'open', voice: 'sapi:anna', scenes: [{ text: 'shown', narration: '' }] });
    expect(res.status).toBe(400);
    const byField = Object.fromEntries((res.body.error.details as Array<{ field: string }>).map((d) => [d.field, d]));
    expect(Object.keys(byField).sort()).toEqual(['configuration.captions', 'configuration.music.preset', 'configuration.music.volume', 'configuration.scenes.0.narration', 'configuration.voice']);
    expect(byField['configuration.music.preset']).toMatchObject({ type: 'any.only', allowed: ['none', 'calm', 'bright'] });
    expect(byField['configuration.captions']).toMatchObject({ type: 'any.only', allowed: ['burned', 'sidecar'] });
    expect(byField['configuration.voice']).toMatchObject({ type: 'string.pattern.name', see: '/api/v1/capabilities' });
  });

  it('counts scene narration in the length bound (the visible text is one word)', async () => {
    const scenes = Array.from({ length: 16 }, () => ({ text: 'Short.', narration: 'A long spoken explanation that runs on. '.repeat(14), duration_seconds: 1 }));
    const res = await submit({ topic: 'T', scenes });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ field: 'configuration.scenes', type: 'duration.max', limit: 600 });
    // Silent, the same scenes are 16 seconds long.
    expect((await submit({ topic: 'T', narration: false, scenes: scenes.map(({ narration: _n, ...s }) => s) })).status).toBe(202);
  });
});

describe('a deployment without narration (NARRATION_ENABLED=false)', () => {
  it('refuses narration, a voice and scene narration with 400 naming each field, and lists no voices though workers announce some', async () => {
    const res = await submit({ topic: 'T', narration: true, voice: 'flite:slt', scenes: [{ text: 'a', narration: 'say a' }] }, apiWithout);
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(['configuration.narration', 'configuration.voice', 'configuration.scenes.0.narration']);
    expect(res.body.error.details[0]).toMatchObject({ allowed: ['false'] });
    expect(res.body.error.details[0].message).toMatch(/NARRATION_ENABLED=true/);
    const { body } = await capabilities(apiWithout);
    expect(body).toMatchObject({ voices: [], default_voice: null, narration: { enabled: false, default: false } });
    const omitted = await submit({ topic: 'T' }, apiWithout);
    expect(omitted.status).toBe(202);
    expect((await job(omitted.body.job_id)).configuration.narration).toBe(false);
  });
});

it('refuses to start with NARRATION_DEFAULT=true but narration disabled', async () => {
  const child = spawnNode(API_MAIN, { ...env.env, API_PORT: '0', NARRATION_ENABLED: 'false', NARRATION_DEFAULT: 'true' });
  const { code } = await child.exited;
  expect(code).toBe(1);
  expect(child.output()).toMatch(/NARRATION_DEFAULT: true requires NARRATION_ENABLED=true/);
});
