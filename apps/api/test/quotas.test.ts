import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

// Per-owner queue cap and queue positions (issue 13, item 2), on the real API and Redis. No
// worker runs, so every job stays queued.

const KEYS = { alice: 'alice-quota-key-0123456789', bob: 'bob-quota-key-0123456789ab' } as const;
type Owner = keyof typeof KEYS;
const LIMIT = 3;

let env: TestEnv;
let api: RunningApi;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: Object.entries(KEYS).map(([o, k]) => `${o}:${k}`).join(','), OWNER_MAX_QUEUED_JOBS: String(LIMIT), RATE_LIMIT_SUBMISSIONS: '0' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
});

afterAll(async () => {
  await api?.stop();
  await env?.cleanup();
});

const auth = (owner: Owner) => ({ Authorization: `Bearer ${KEYS[owner]}` });
const submit = (owner: Owner) => request(api.server).post('/api/v1/videos/generate').set(auth(owner)).send({ configuration: { topic: `A job of ${owner}`, quality: 'low' } });
const get = async (owner: Owner, id: string) => (await request(api.server).get(`/api/v1/videos/jobs/${id}`).set(auth(owner))).body;

it('refuses a job beyond OWNER_MAX_QUEUED_JOBS with 429 QUEUE_QUOTA_EXCEEDED, per owner, and frees a place on cancel', async () => {
  const alice: string[] = [];
  for (let i = 0; i < LIMIT; i++) {
    const res = await submit('alice');
    expect(res.status).toBe(202);
    alice.push(res.body.job_id);
  }
  const refused = await submit('alice');
  expect(refused.status).toBe(429);
  expect(refused.body.error).toMatchObject({ code: 'QUEUE_QUOTA_EXCEEDED', category: 'rate_limited', retryable: true, details: { limit: LIMIT, queued: LIMIT } });
  expect(refused.body.error.suggested_action).toMatch(/cancel/);

  // Bob has his own quota.
  const bob = await submit('bob');
  expect(bob.status).toBe(202);

  // Positions: every waiting job has its own place; Bob's one job does not wait behind Alice's whole backlog.
  const positions = await Promise.all([...alice.map((id) => get('alice', id)), get('bob', bob.body.job_id)]);
  expect(positions.map((b) => b.status)).toEqual(['queued', 'queued', 'queued', 'queued']);
  expect(positions.map((b) => b.queue_position).sort()).toEqual([0, 1, 2, 3]);
  expect(positions[3].queue_position).toBeLessThan(positions[2].queue_position);

  // A cancel frees a place (the count is read from the records: nothing to decrement).
  expect((await request(api.server).post(`/api/v1/videos/jobs/${alice[0]}/cancel`).set(auth('alice'))).status).toBe(202);
  const cancelled = await get('alice', alice[0]!);
  expect(cancelled.status).toBe('cancelled');
  expect(cancelled.queue_position).toBeUndefined();
  expect((await submit('alice')).status).toBe(202);
  expect((await submit('alice')).status).toBe(429);

  // A retry of the cancelled job is a new submission and needs a place too.
  const retry = await request(api.server).post(`/api/v1/videos/jobs/${alice[0]}/retry`).set(auth('alice'));
  expect(retry.status).toBe(429);
  expect(retry.body.error.code).toBe('QUEUE_QUOTA_EXCEEDED');
});
