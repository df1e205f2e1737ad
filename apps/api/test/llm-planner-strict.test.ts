import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startFakeLlm, startWorkerProcess, waitFor, type FakeLlm, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

// LLM_FALLBACK=false on the real stack: a model endpoint that only fails ends the job failed with
// PLANNER_FAILED at the planning stage, after one retry, on its first attempt; never a hung job.

const KEY = 'llm-strict-owner-key-0123456789';
const auth = { Authorization: `Bearer ${KEY}` };

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;
let fake: FakeLlm;

beforeAll(async () => {
  fake = await startFakeLlm(() => ({ status: 503 }));
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, PLANNER: 'llm', LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-7b', LLM_FALLBACK: 'false', LLM_TIMEOUT_MS: '2000', JOB_ATTEMPTS: '3', RATE_LIMIT_SUBMISSIONS: '0' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  worker = await startWorkerProcess(env.env);
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await fake?.close();
  await env?.cleanup();
});

it('a job whose model endpoint keeps failing ends failed with PLANNER_FAILED and a suggested action, not retried', async () => {
  const res = await request(api.server)
    .post('/api/v1/videos/generate')
    .set(auth)
    .send({ configuration: { topic: 'Tides', context: 'The moon pulls the oceans.', quality: 'low' } });
  expect(res.status).toBe(202);
  const job = await waitFor(
    async () => (await request(api.server).get(`/api/v1/videos/jobs/${res.body.job_id}`).set(auth)).body,
    (b) => b.status === 'failed' || b.status === 'completed',
    { timeoutMs: 60000, what: 'the job to end' },
  );
  expect(job).toMatchObject({
    status: 'failed',
    attempt: 1,
    warnings: [],
    error: { code: 'PLANNER_FAILED', category: 'dependency_unavailable', retryable: false, stage: 'planning', attempt: 1, details: { reason: 'http_error', model: 'fake-7b' } },
  });
  expect(job.error.suggested_action).toContain('LLM_FALLBACK');
  expect(fake.requests).toHaveLength(2);
});

it('the /plan preview answers 502 PLANNER_FAILED', async () => {
  const res = await request(api.server)
    .post('/api/v1/videos/plan')
    .set(auth)
    .send({ configuration: { topic: 'Tides', context: 'The moon pulls the oceans.' } });
  expect(res.status).toBe(502);
  expect(res.body.error).toMatchObject({ code: 'PLANNER_FAILED', category: 'dependency_unavailable', retryable: false });
  // A 5xx answer carries no details (the API's rule); the reason is in the API's log line.
  expect(res.body.error.details).toBeUndefined();
});
