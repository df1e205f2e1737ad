import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { plannedVideoSeconds } from '@vidgen/core';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startFaultProxy, startWorkerProcess, waitFor, type FaultProxy, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

// OWNER_DAILY_VIDEO_SECONDS and GET /api/v1/usage (issue 13, item 3) on the real stack: API,
// worker process, Redis, S3 server. Reserved at submit, released on cancel, settled to the
// rendered length at completion, not charged again by an automatic retry, charged again by a
// manual one; 429 VIDEO_QUOTA_EXCEEDED with the time the budget frees up.

const KEYS = { alice: 'alice-budget-key-0123456789', bob: 'bob-budget-key-0123456789ab' } as const;
type Owner = keyof typeof KEYS;
const LIMIT = 20;

let env: TestEnv;
let api: RunningApi;
let proxy: FaultProxy;
let worker: WorkerHandle | undefined;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: Object.entries(KEYS).map(([o, k]) => `${o}:${k}`).join(','), OWNER_DAILY_VIDEO_SECONDS: String(LIMIT), RATE_LIMIT_SUBMISSIONS: '0', JOB_ATTEMPTS: '3' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  // The worker's S3 goes through a proxy that fails the first upload request once: a retryable
  // storage failure, so Bull retries the job automatically (the retry uploads from the artifact cache).
  let failed = false;
  proxy = await startFaultProxy(env.s3.endpoint, (_n, req) => {
    if (failed || (req.method !== 'PUT' && req.method !== 'POST')) return 'pass';
    failed = true;
    return { status: 503, code: 'SlowDown' };
  });
});

afterAll(async () => {
  await worker?.stop();
  await api?.stop();
  await proxy?.close();
  await env?.cleanup();
});

const auth = (owner: Owner) => ({ Authorization: `Bearer ${KEYS[owner]}` });
const configuration = (seconds: number) => ({ topic: `${seconds} seconds`, quality: 'low', subtitles: false, narration: false, formats: ['mp4'], scenes: [{ text: 'Budget', duration_seconds: seconds }] });
const submit = (owner: Owner, seconds: number) => request(api.server).post('/api/v1/videos/generate').set(auth(owner)).send({ configuration: configuration(seconds) });
const usage = async (owner: Owner) => {
  const res = await request(api.server).get('/api/v1/usage').set(auth(owner));
  expect(res.status).toBe(200);
  return res.body;
};
const job = async (owner: Owner, id: string) => (await request(api.server).get(`/api/v1/videos/jobs/${id}`).set(auth(owner))).body;

it('reserves at submit, refuses beyond the budget, releases on cancel, settles once across an automatic retry, charges a manual retry', async () => {
  expect(plannedVideoSeconds(configuration(6) as never)).toBe(6);
  expect(await usage('alice')).toEqual({
    window_seconds: 86400,
    video_seconds: { limit: LIMIT, used: 0, reserved: 0, remaining: LIMIT, next_free_at: null },
    jobs: { running: 0, queued: 0, max_running: 2, max_queued: 100 },
  });
  expect((await request(api.server).get('/api/v1/usage')).status).toBe(401);

  // No worker yet: both jobs stay queued with their seconds reserved.
  const a = (await submit('alice', 6)).body.job_id as string;
  const b = (await submit('alice', 8)).body.job_id as string;
  expect(await usage('alice')).toMatchObject({ video_seconds: { used: 0, reserved: 14, remaining: 6 }, jobs: { running: 0, queued: 2 } });

  // 14 + 8 > 20, and nothing settled could leave the window: no time to wait for, only jobs to end.
  const refused = await submit('alice', 8);
  expect(refused.status).toBe(429);
  expect(refused.headers['retry-after']).toBeUndefined();
  expect(refused.body.error).toMatchObject({
    code: 'VIDEO_QUOTA_EXCEEDED',
    category: 'rate_limited',
    retryable: true,
    details: { limit_seconds: LIMIT, used_seconds: 0, reserved_seconds: 14, requested_seconds: 8, retry_after: null, retry_after_seconds: null },
  });
  expect(refused.body.error.suggested_action).toMatch(/usage/);
  // Bob has his own budget.
  const bob = await submit('bob', 8);
  expect(bob.status).toBe(202);
  expect(await usage('bob')).toMatchObject({ video_seconds: { reserved: 8, remaining: 12 } });
  expect((await request(api.server).post(`/api/v1/videos/jobs/${bob.body.job_id}/cancel`).set(auth('bob'))).status).toBe(202);

  // A cancel gives the seconds back.
  expect((await request(api.server).post(`/api/v1/videos/jobs/${b}/cancel`).set(auth('alice'))).status).toBe(202);
  expect(await usage('alice')).toMatchObject({ video_seconds: { used: 0, reserved: 6, remaining: 14 }, jobs: { queued: 1 } });

  worker = await startWorkerProcess({ ...env.env, S3_ENDPOINT: proxy.endpoint, S3_RETRY_ATTEMPTS: '1', S3_MAX_ATTEMPTS: '1' });
  const done = await waitFor(() => job('alice', a), (j) => j.status === 'completed' || j.status === 'failed', { timeoutMs: 90000, what: 'Alice\'s job to end' });
  expect(done).toMatchObject({ status: 'completed', attempt: 2 });
  expect(done.last_error).toBeNull();
  expect(proxy.requests.filter((r) => r.fault === 'status')).toHaveLength(1);
  // The first attempt failed through the failure hook (queued again with its error), not around it.
  const failedAttempts = () => worker!.logLines().filter((l) => l.job_id === a && l.message === 'job attempt failed');
  await waitFor(async () => failedAttempts().length, (n) => n === 1, { timeoutMs: 5000, what: 'the failed attempt\'s log line' });
  expect(failedAttempts()[0]).toMatchObject({ will_retry: true, category: 'storage' });
  const rendered = done.result.duration_seconds as number;
  expect(rendered).toBeGreaterThan(5);
  expect(rendered).toBeLessThan(7);
  // Two attempts, one charge: the rendered length, from the time it completed.
  const settled = await usage('alice');
  expect(settled.video_seconds).toMatchObject({ used: rendered, reserved: 0, remaining: Math.round((LIMIT - rendered) * 1000) / 1000 });
  const freesAt = Date.parse(settled.video_seconds.next_free_at);
  expect(freesAt).toBeGreaterThanOrEqual(Date.parse(done.completed_at) + 86400_000);
  expect(settled.jobs).toMatchObject({ running: 0, queued: 0 });

  // Too long for what is left: refused with the time the completed job's seconds come back.
  const later = await submit('alice', 15);
  expect(later.status).toBe(429);
  expect(later.body.error.details).toMatchObject({ used_seconds: rendered, reserved_seconds: 0, requested_seconds: 15, retry_after: settled.video_seconds.next_free_at });
  const retryAfter = Number(later.headers['retry-after']);
  expect(later.body.error.details.retry_after_seconds).toBe(retryAfter);
  expect(retryAfter).toBeGreaterThan(86000);
  expect(retryAfter).toBeLessThanOrEqual(86400);

  // No worker from here on: the retried job stays queued.
  await worker.stop();
  worker = undefined;
  // A manual retry is a new submission: the cancelled 8 s job is charged again, and cancelling it gives them back.
  const retried = await request(api.server).post(`/api/v1/videos/jobs/${b}/retry`).set(auth('alice'));
  expect(retried.status).toBe(202);
  expect(await usage('alice')).toMatchObject({ video_seconds: { used: rendered, reserved: 8 } });
  expect((await request(api.server).post(`/api/v1/videos/jobs/${b}/cancel`).set(auth('alice'))).status).toBe(202);
  expect(await usage('alice')).toMatchObject({ video_seconds: { used: rendered, reserved: 0 } });
}, 150000);
