import { PassThrough } from 'node:stream';
import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { MAX_CONFIGURATION_TEXT_CHARS } from '@vidgen/core';
import { createLogger } from '@vidgen/observability';
import { jobKey } from '@vidgen/queue';
import { createTestEnv, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

// Bounded storage (issue 13, item 5): the text of one configuration, the size of its record in Redis,
// and the retention of jobs that end without a video. API only: no worker takes the jobs.

const KEY = 'limits-owner-key-0123456789';
const auth = { Authorization: `Bearer ${KEY}` };
const FAILED_TTL = 3600;
const COMPLETED_TTL = 86400;

let env: TestEnv;
let api: RunningApi;
let redis: Redis;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, RATE_LIMIT_SUBMISSIONS: '0', JOB_RECORD_TTL_SECONDS: String(COMPLETED_TTL), JOB_RECORD_TTL_FAILED_SECONDS: String(FAILED_TTL) });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  redis = new Redis(env.env.REDIS_URL!);
});

afterAll(async () => {
  redis?.disconnect();
  await api?.stop();
  await env?.cleanup();
});

const submit = (configuration: unknown, extra: Record<string, unknown> = {}) => request(api.server).post('/api/v1/videos/generate').set(auth).send({ configuration, ...extra });

/** 50 scenes of 3-byte characters (the most UTF-8 bytes a UTF-16 unit can take) with `total` characters in all. */
function maximalConfiguration(total: number) {
  const topic = '€'.repeat(200);
  const perScene = (total - topic.length) / 50;
  // A title at its 100-character limit, the rest in the text (at most 400).
  const scenes = Array.from({ length: 50 }, () => ({ title: '€'.repeat(100), text: '文'.repeat(perScene - 100), duration_seconds: 1 }));
  return { topic, quality: 'low', scenes };
}

describe('the text of one configuration', () => {
  it(`refuses more than ${MAX_CONFIGURATION_TEXT_CHARS} characters across topic, context and scenes with 400 naming the limit`, async () => {
    const over = maximalConfiguration(MAX_CONFIGURATION_TEXT_CHARS + 200);
    const res = await submit(over);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([expect.objectContaining({ field: 'configuration', type: 'text.max', limit: MAX_CONFIGURATION_TEXT_CHARS })]);
    expect(res.body.error.details[0].message).toContain(`the limit is ${MAX_CONFIGURATION_TEXT_CHARS}`);
  });

  it('refuses lone UTF-16 surrogates (JSON writes each as 6 bytes)', async () => {
    const res = await request(api.server).post('/api/v1/videos/generate').set(auth).set('Content-Type', 'application/json').send('{"configuration":{"topic":"a\\ud800b","quality":"low"}}');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ field: 'configuration.topic', type: 'string.unicode' });
  });

  it('keeps the largest accepted record at most 100 KB in Redis (MEMORY USAGE)', async () => {
    const res = await submit(maximalConfiguration(MAX_CONFIGURATION_TEXT_CHARS), { callback_url: `https://hooks.example.com/${'x'.repeat(2000)}` });
    expect(res.status).toBe(202);
    const key = jobKey(env.prefix, res.body.job_id);
    const stored = await redis.hget(key, 'configuration');
    expect(JSON.parse(stored!).scenes).toHaveLength(50);
    const bytes = Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    expect(bytes).toBeGreaterThan(60_000); // it is the big one: 20,000 characters of 3 bytes each
    expect(bytes).toBeLessThanOrEqual(100 * 1024);
  });
});

describe('retention', () => {
  it('keeps a cancelled job for JOB_RECORD_TTL_FAILED_SECONDS, not JOB_RECORD_TTL_SECONDS', async () => {
    const res = await submit({ topic: 'Short lived', quality: 'low' });
    expect(res.status).toBe(202);
    const key = jobKey(env.prefix, res.body.job_id);
    expect(await redis.ttl(key)).toBe(-1);
    expect((await request(api.server).post(`/api/v1/videos/jobs/${res.body.job_id}/cancel`).set(auth)).status).toBe(202);
    const ttl = await redis.ttl(key);
    expect(ttl).toBeGreaterThan(FAILED_TTL - 60);
    expect(ttl).toBeLessThanOrEqual(FAILED_TTL);
  });
});
