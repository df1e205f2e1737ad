import { PassThrough } from 'node:stream';
import request from 'supertest';
import Redis from 'ioredis';
import { loadConfig } from '@vidgen/config';
import { LAYOUTS, NARRATION_LIMITS, SCENE_LIMITS, iconNames } from '@vidgen/core';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

const KEY = 'scenes-owner-key-aaaa';
const auth = { Authorization: `Bearer ${KEY}` };

let env: TestEnv;
let api: RunningApi;
let redis: Redis;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, NARRATION_ENABLED: 'false' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  redis = new Redis(env.env.REDIS_URL!);
});

afterAll(async () => {
  await api?.stop();
  redis?.disconnect();
  await env?.cleanup();
});

/** Every key under this test's prefix (the shared Redis: never anything wider). */
async function keysUnderPrefix(): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${env.prefix}*`, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys.sort();
}

const plan = (configuration: unknown) => request(api.server).post('/api/v1/videos/plan').set(auth).send({ configuration });

describe('POST /api/v1/videos/plan', () => {
  it('answers the plan of a topic and context with layouts, timings and total length, and creates no job', async () => {
    const before = await keysUnderPrefix();
    const res = await plan({ topic: 'Energy', context: 'Solar 12%, wind 9%, hydro 16%.\n\nFirst, switch it off. Then unplug it. Finally, wait.', quality: 'low', aspect: '9:16', theme: 'ocean' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const p = res.body.plan;
    expect(p).toMatchObject({ version: 1, quality: 'low', width: 480, height: 854, fps: 15, aspect: '9:16', theme: 'ocean', progress_bar: false });
    expect(p.scenes.map((s: { layout: string }) => s.layout)).toEqual(['title', 'chart', 'steps', 'closing']);
    expect(p.scenes[1]).toMatchObject({ index: 1, kind: 'content', content: { chart: { labels: ['Solar', 'Wind', 'Hydro'], values: [12, 9, 16], unit: '%' } }, transition: { type: 'crossfade', seconds: 0.533 }, animation: 'auto' });
    expect(p.scenes[2].timeline).toEqual({ title: 0, body: 0, items: [0, 0.4, 0.8] });
    // Scenes lie end to end; the total is their sum; the last one ends on a cut.
    let at = 0;
    for (const s of p.scenes) {
      expect(s.start_seconds).toBeCloseTo(at, 2);
      at += s.duration_seconds;
    }
    expect(p.total_seconds).toBeCloseTo(at, 2);
    expect(p.total_seconds).toBeCloseTo(p.total_frames / 15, 3);
    expect(p.scenes.at(-1).transition).toEqual({ type: 'cut', seconds: 0 });
    expect(await keysUnderPrefix()).toEqual(before);
    expect((await keysUnderPrefix()).some((k) => k.includes(':job:'))).toBe(false);
    // The same check sees the record a /generate of the same body makes.
    const generated = await request(api.server).post('/api/v1/videos/generate').set(auth).send({ configuration: { topic: 'Energy', quality: 'low' } });
    expect(generated.status).toBe(202);
    expect((await keysUnderPrefix()).some((k) => k.includes(`:job:{${generated.body.job_id}}`))).toBe(true);
  });

  it('plans explicit scenes as given, old shape included', async () => {
    const res = await plan({ topic: 'T', scenes: [{ text: 'old shape', duration_seconds: 2 }, { layout: 'stat', value: 42, suffix: '%', transition: 'cut', animation: 'none' }] });
    expect(res.status).toBe(200);
    expect(res.body.plan.scenes).toMatchObject([
      { layout: 'text', kind: 'explicit', content: { text: 'old shape' }, start_seconds: 0, duration_seconds: 2 },
      { layout: 'stat', content: { value: 42, suffix: '%' }, start_seconds: 2, animation: 'none', timeline: { title: 0, body: 0, items: [] }, transition: { type: 'cut', seconds: 0 } },
    ]);
    expect(res.body.plan).toMatchObject({ width: 1280, height: 720, fps: 30, aspect: '16:9', theme: 'dark' });
  });

  it('needs the API key, JSON and POST, like /generate', async () => {
    const anonymous = await request(api.server).post('/api/v1/videos/plan').send({ configuration: { topic: 'T' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHENTICATED');
    const text = await request(api.server).post('/api/v1/videos/plan').set(auth).set('Content-Type', 'text/plain').send('topic');
    expect(text.status).toBe(415);
    const get = await request(api.server).get('/api/v1/videos/plan').set(auth);
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });

  it('applies the submit policy: ultra, narration, and the 10-minute limit', async () => {
    expect((await plan({ topic: 'T', quality: 'ultra' })).body.error).toMatchObject({ code: 'QUALITY_NOT_ALLOWED' });
    const narration = await plan({ topic: 'T', narration: true });
    expect(narration.status).toBe(400);
    expect(narration.body.error.details[0].field).toBe('configuration.narration');
    const long = await plan({ topic: 'T', scenes: Array.from({ length: 11 }, () => ({ text: 'x', duration_seconds: 60 })) });
    expect(long.status).toBe(400);
    expect(long.body.error.details[0]).toMatchObject({ field: 'configuration.scenes', type: 'duration.max' });
  });

  /** Each bad-input rule: 400 VALIDATION_FAILED with details naming the field. */
  const BAD: Array<{ rule: string; configuration: unknown; field: string; message?: string }> = [
    { rule: 'unknown layout', configuration: { topic: 'T', scenes: [{ layout: 'carousel', text: 'x' }] }, field: 'configuration.scenes.0.layout' },
    { rule: 'unknown icon', configuration: { topic: 'T', scenes: [{ layout: 'icon_text', icon: 'no-such-icon', text: 'x' }] }, field: 'configuration.scenes.0.icon', message: 'https://lucide.dev/icons/' },
    {
      rule: 'mismatched chart arrays',
      configuration: { topic: 'T', scenes: [{ layout: 'chart', chart: { type: 'bar', labels: ['a', 'b', 'c'], values: [1, 2] } }] },
      field: 'configuration.scenes.0.chart.values',
      message: '2 values for 3 labels',
    },
    { rule: 'non-finite number', configuration: { topic: 'T', scenes: [{ layout: 'stat', value: 'Infinity' }] }, field: 'configuration.scenes.0.value' },
    { rule: 'non-numeric string', configuration: { topic: 'T', scenes: [{ layout: 'chart', chart: { type: 'line', labels: ['a', 'b'], values: [1, 'two'] } }] }, field: 'configuration.scenes.0.chart.values.1' },
    { rule: 'too many items', configuration: { topic: 'T', scenes: [{ layout: 'bullets', items: Array.from({ length: 9 }, (_, i) => `i${i}`) }] }, field: 'configuration.scenes.0.items' },
    { rule: 'field not used by the layout', configuration: { topic: 'T', scenes: [{ layout: 'quote', quote: 'q', items: ['a'] }] }, field: 'configuration.scenes.0.items', message: "not used by layout 'quote'" },
    { rule: 'over-long item', configuration: { topic: 'T', scenes: [{ layout: 'steps', items: ['x'.repeat(SCENE_LIMITS.item + 1)] }] }, field: 'configuration.scenes.0.items.0' },
    { rule: 'bad aspect', configuration: { topic: 'T', aspect: '4:3' }, field: 'configuration.aspect' },
    { rule: 'bad theme', configuration: { topic: 'T', theme: 'neon' }, field: 'configuration.theme' },
    { rule: 'bad transition', configuration: { topic: 'T', scenes: [{ text: 'x', transition: 'spin' }] }, field: 'configuration.scenes.0.transition' },
  ];

  it.each(BAD)('400 for $rule, naming $field', async ({ configuration, field, message }) => {
    const res = await plan(configuration);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual([field]);
    if (message) expect(res.body.error.details[0].message).toContain(message);
  });

  it('refuses Infinity that JSON spells as 1e400 on /plan and /generate alike, and the refused /generate creates nothing', async () => {
    const body = '{"configuration":{"topic":"T","scenes":[{"layout":"stat","value":1e400}]}}';
    const before = await keysUnderPrefix();
    for (const path of ['/api/v1/videos/plan', '/api/v1/videos/generate']) {
      const res = await request(api.server).post(path).set(auth).set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0]).toMatchObject({ field: 'configuration.scenes.0.value', type: 'number.infinity' });
    }
    expect(await keysUnderPrefix()).toEqual(before);
  });

  it('the unknown icon answer links to the list of names', async () => {
    const res = await plan({ topic: 'T', scenes: [{ layout: 'icon_text', icon: 'no-such-icon', text: 'x' }] });
    expect(res.body.error.details[0]).toMatchObject({ type: 'icon.unknown', see: '/api/v1/capabilities' });
  });
});

describe('GET /api/v1/capabilities', () => {
  it('lists qualities with sizes per aspect, themes, layouts with fields, transitions, icons, limits and narration', async () => {
    const res = await request(api.server).get('/api/v1/capabilities').set(auth);
    expect(res.status).toBe(200);
    const c = res.body;
    expect(c.qualities.find((q: { name: string }) => q.name === 'medium')).toEqual({
      name: 'medium',
      label: '720p',
      fps: 30,
      allowed: true,
      sizes: { '16:9': { width: 1280, height: 720 }, '9:16': { width: 720, height: 1280 }, '1:1': { width: 720, height: 720 } },
    });
    expect(c.qualities.find((q: { name: string }) => q.name === 'ultra').allowed).toBe(false);
    expect(c.aspects).toEqual(['16:9', '9:16', '1:1']);
    expect(c.themes).toEqual(['dark', 'light', 'ocean', 'sand']);
    expect(c.layouts.map((l: { name: string }) => l.name)).toEqual([...LAYOUTS]);
    expect(c.layouts.find((l: { name: string }) => l.name === 'stat')).toEqual({ name: 'stat', required: ['value'], optional: ['title', 'prefix', 'suffix', 'label'] });
    expect(c.transitions).toEqual(['cut', 'crossfade', 'push_left', 'slide_up', 'wipe']);
    expect(c.animations).toEqual(['auto', 'none']);
    expect(c.chart_types).toEqual(['bar', 'column', 'line', 'pie']);
    expect(c.icons).toEqual([...iconNames()]);
    expect(c.icons).toContain('heart-pulse');
    expect(c.limits).toEqual({ scene: { ...SCENE_LIMITS }, max_video_seconds: 600, max_scenes: 50, narration: { ...NARRATION_LIMITS } });
    // No narration on this deployment: no voices, whatever workers announce.
    expect(c.narration).toEqual({ enabled: false, default: false, engines: ['festival', 'flite', 'espeak'] });
    expect(c.voices).toEqual([]);
    expect(c.default_voice).toBeNull();
    expect(c.music_presets).toEqual(['none', 'calm', 'bright']);
    expect(c.caption_modes).toEqual(['burned', 'sidecar']);
  });

  it('needs the API key and answers 405 to other methods', async () => {
    const anonymous = await request(api.server).get('/api/v1/capabilities');
    expect(anonymous.status).toBe(401);
    const post = await request(api.server).post('/api/v1/capabilities').set(auth);
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await request(api.server).get('/api/v1/nothing-here').set(auth)).status).toBe(404);
  });
});
