import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { startRedisServer, type RedisServer } from '@vidgen/embedded';
import { createLogger } from '@vidgen/observability';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore } from '@vidgen/queue';
import { createTestEnv, waitFor, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';
import { openSse } from './sse-client';

const KEY = 'owner1-key-aaaa';
const auth = { Authorization: `Bearer ${KEY}` };

let env: TestEnv;
let dir: string;
let redisServer: RedisServer;
let api: RunningApi;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, SSE_HEARTBEAT_MS: '200' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-outage-'));
  // A private server we may kill: the shared Redis on 6379 is never touched.
  redisServer = await startRedisServer({ dir, appendOnly: true, fsyncEveryWrite: true });
  const logger = createLogger({ service: 'api', format: 'json', stream: new PassThrough().resume() });
  api = await startApi(loadConfig({ ...env.env, REDIS_URL: redisServer.url, API_PORT: '0' }), logger);
});

afterAll(async () => {
  await api?.stop();
  await redisServer?.stop();
  await env?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const expectUnavailable = (status: number, body: { error?: Record<string, unknown> }, correlationId: unknown) => {
  expect(status).toBe(503);
  expect(body.error).toMatchObject({
    code: 'REDIS_UNAVAILABLE',
    category: 'dependency_unavailable',
    retryable: true,
    message: expect.any(String),
    suggested_action: expect.stringMatching(/retry/i),
    correlation_id: correlationId,
  });
};

const ready = () => request(api.server).get('/health/ready');
const submit = () => request(api.server).post('/api/v1/videos/generate').set(auth).send({ configuration: { topic: 'Outage', quality: 'low' } });

it('answers 503 REDIS_UNAVAILABLE while Redis is down and recovers by itself', async () => {
  const submitted = await submit();
  expect(submitted.status).toBe(202);
  const jobId = submitted.body.job_id as string;
  const jobPath = `/api/v1/videos/jobs/${jobId}`;

  await redisServer.kill();

  const post = await submit();
  expectUnavailable(post.status, post.body, post.headers['x-correlation-id']);
  const get = await request(api.server).get(jobPath).set(auth);
  expectUnavailable(get.status, get.body, get.headers['x-correlation-id']);
  const stream = await openSse(`http://127.0.0.1:${api.port}${jobPath}/events`, auth);
  expectUnavailable(stream.status, stream.body as { error?: Record<string, unknown> }, stream.headers['x-correlation-id']);
  const down = await waitFor(ready, (r) => r.status === 503, { timeoutMs: 10000, what: 'readiness to report Redis down' });
  expect(down.body).toMatchObject({ status: 'unavailable', checks: { redis: { status: 'error', required: true } } });
  expect(down.body.failing).toContain('redis');

  // Same port and data directory: the API's clients reconnect on their own.
  redisServer = await startRedisServer({ port: redisServer.port, dir, appendOnly: true, fsyncEveryWrite: true });
  const back = await waitFor(() => request(api.server).get(jobPath).set(auth), (r) => r.status === 200, { timeoutMs: 15000, what: 'GET to work again' });
  expect(back.body).toMatchObject({ job_id: jobId, status: 'queued' });
  await waitFor(ready, (r) => r.status === 200 && r.body.status === 'ok', { timeoutMs: 10000, what: 'readiness to recover' });
  const again = await waitFor(submit, (r) => r.status === 202, { timeoutMs: 10000, what: 'submissions to work again' });
  expect(again.body.status).toBe('queued');

  // The progress subscription came back too: a tracker write reaches a new event stream.
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  try {
    const live = await openSse(`http://127.0.0.1:${api.port}${jobPath}/events`, auth);
    expect(live.status).toBe(200);
    await waitFor(async () => live.events.length, (n) => n === 1, { what: 'the first event' });
    expect(await new JobStore(redis, env.prefix).markProcessing(jobId, 1)).toBe('ok');
    const run = await new JobProgressTracker({ redis, prefix: env.prefix }).startRun(jobId, { attempt: 1 });
    expect(run.ok).toBe(true);
    const event = await waitFor(async () => live.events.at(-1), (e) => e?.data.status === 'processing', { what: 'the pickup event' });
    expect(event!.id).toBe(1);
    live.close();
  } finally {
    redis.disconnect();
  }
});

it('stays ready, degraded, while only storage is down (the API requires Redis only)', async () => {
  await env.s3.close();
  const res = await waitFor(ready, (r) => r.body.status === 'degraded', { timeoutMs: 10000, what: 'readiness to report storage down' });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ failing: ['storage'], checks: { redis: { status: 'ok' }, storage: { status: 'error', required: false } } });
});
