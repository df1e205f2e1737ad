import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, fakeScenePlan, startFakeLlm, type FakeLlm, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

// A /plan preview with PLANNER=llm is held to the owner's remaining video budget
// (OWNER_DAILY_VIDEO_SECONDS) when that is below MAX_VIDEO_SECONDS: the model is told the limit once,
// then the rules planner takes over with a warning.
const KEY = 'llm-budget-owner-key-0123456789';
const TITLES = ['Budget Title', 'One', 'Two', 'Three', 'The End'];

let env: TestEnv;
let api: RunningApi;
let fake: FakeLlm;

beforeAll(async () => {
  // Always 5 scenes of 10 s: 50 s, over the 20 s budget.
  fake = await startFakeLlm(() => ({ json: { scenes: fakeScenePlan(TITLES).scenes.map((s) => ({ ...s, duration_seconds: 10 })) } }));
  env = await createTestEnv({ API_KEYS: `budgetowner:${KEY}`, PLANNER: 'llm', LLM_BASE_URL: fake.baseUrl, LLM_MODEL: 'fake-7b', LLM_TIMEOUT_MS: '5000', OWNER_DAILY_VIDEO_SECONDS: '20' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
});

afterAll(async () => {
  await api?.stop();
  await fake?.close();
  await env?.cleanup();
});

it("states the owner's remaining budget to the model, then falls back to the rules planner with a warning", async () => {
  const res = await request(api.server)
    .post('/api/v1/videos/plan')
    .set('Authorization', `Bearer ${KEY}`)
    .send({ configuration: { topic: 'Budget', context: 'Rivers carry water. The sea is salty.', quality: 'low' } });
  expect(res.status).toBe(200);
  expect(fake.requests).toHaveLength(2);
  expect(fake.requests[1]!.body.messages!.at(-1)!.content).toContain('the limit is 20 seconds');
  expect(res.body.warnings).toEqual([expect.objectContaining({ code: 'PLANNER_FALLBACK', details: expect.objectContaining({ reason: 'too_long' }) })]);
  expect(res.body.plan.total_seconds).toBeLessThanOrEqual(20);
});
