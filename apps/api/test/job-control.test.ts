import { PassThrough } from 'node:stream';
import request from 'supertest';
import Redis from 'ioredis';
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { controlChannel, createVideoQueue, jobKey, type VideoQueue } from '@vidgen/queue';
import { jobVideoKey } from '@vidgen/metadata';
import { createS3Client } from '@vidgen/storage';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

const KEY1 = 'jc-owner1-key-aaaa';
const KEY2 = 'jc-owner2-key-bbbb';
const KEY3 = 'jc-owner3-key-cccc';
// Rate-limit budgets are per owner and shared by every replica: the rate test has owners of its own.
const KEY4 = 'jc-owner4-key-dddd';
const KEY5 = 'jc-owner5-key-eeee';
const auth = (key = KEY1) => ({ Authorization: `Bearer ${key}` });
const short = (topic: string, seconds = 1) => ({ configuration: { topic, quality: 'low', scenes: [{ text: 'x', duration_seconds: seconds }] } });

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle | undefined;
let redis: Redis;
let queue: VideoQueue;
let apiLogs = '';

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `owner1:${KEY1},owner2:${KEY2},owner3:${KEY3},owner4:${KEY4},owner5:${KEY5}`, WORKER_CONCURRENCY: '2' });
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => (apiLogs += d.toString()));
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream }));
  redis = new Redis(env.env.REDIS_URL!);
  queue = createVideoQueue({ redisUrl: env.env.REDIS_URL!, prefix: env.prefix });
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await queue?.close();
  redis?.disconnect();
  await env?.cleanup();
});

const getJob = async (jobId: string, key = KEY1) => request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth(key));

async function waitForStatus(jobId: string, statuses: string[], key = KEY1) {
  return waitFor(
    async () => (await getJob(jobId, key)).body,
    (b) => statuses.includes(b.status),
    { timeoutMs: 60000, intervalMs: 50, what: `job ${jobId} to reach ${statuses.join('|')}` },
  );
}

async function submit(body: object = short('Control'), key = KEY1) {
  const res = await request(api.server).post('/api/v1/videos/generate').set(auth(key)).send(body);
  expect(res.status).toBe(202);
  return res.body.job_id as string;
}

describe('with no worker running', () => {
  it('cancels a waiting job: removed from the queue, recorded cancelled, 409 on a second cancel', async () => {
    const jobId = await submit();
    expect(await queue.getJob(jobId)).not.toBeNull();
    const res = await request(api.server).post(`/api/v1/videos/jobs/${jobId}/cancel`).set(auth());
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ job_id: jobId, status: 'cancelled', progress: { stage: 'cancelled' } });
    expect(res.body.completed_at).not.toBeNull();
    expect(await queue.getJob(jobId)).toBeNull();
    expect((await getJob(jobId)).body.status).toBe('cancelled');
    // Retention starts at the cancel, though the job never had a progress run (JOB_RECORD_TTL_FAILED_SECONDS: no video).
    const { failedRecordTtlSeconds } = loadConfig({ ...env.env }).redis;
    const ttl = await redis.ttl(jobKey(env.prefix, jobId));
    expect(ttl).toBeGreaterThan(failedRecordTtlSeconds - 60);
    expect(ttl).toBeLessThanOrEqual(failedRecordTtlSeconds);

    const again = await request(api.server).post(`/api/v1/videos/jobs/${jobId}/cancel`).set(auth());
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'JOB_NOT_CANCELLABLE', category: 'conflict', docs: 'docs/troubleshooting.md#job_not_cancellable' });
  });

  it("hides another owner's job from cancel, retry and delete", async () => {
    const jobId = await submit();
    for (const [method, path] of [
      ['post', `/api/v1/videos/jobs/${jobId}/cancel`],
      ['post', `/api/v1/videos/jobs/${jobId}/retry`],
      ['delete', `/api/v1/videos/jobs/${jobId}`],
    ] as const) {
      const res = await request(api.server)[method](path).set(auth(KEY2));
      expect({ path, status: res.status, code: res.body.error?.code }).toEqual({ path, status: 404, code: 'JOB_NOT_FOUND' });
    }
    expect((await getJob(jobId)).body.status).toBe('queued');
    await request(api.server).post(`/api/v1/videos/jobs/${jobId}/cancel`).set(auth());
  });

  it('refuses to retry a job that is queued', async () => {
    const jobId = await submit();
    const res = await request(api.server).post(`/api/v1/videos/jobs/${jobId}/retry`).set(auth());
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('JOB_NOT_RETRYABLE');
    await request(api.server).post(`/api/v1/videos/jobs/${jobId}/cancel`).set(auth());
  });
});

describe('job list', () => {
  it('lists only the owner’s jobs, newest first, in pages with next_cursor, filtered by status', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await submit(short(`List ${i}`), KEY3));
    await request(api.server).post(`/api/v1/videos/jobs/${ids[1]}/cancel`).set(auth(KEY3));

    const first = await request(api.server).get('/api/v1/videos/jobs?limit=2').set(auth(KEY3));
    expect(first.status).toBe(200);
    expect(first.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([ids[2], ids[1]]);
    expect(first.body.jobs[0]).toMatchObject({ job_id: ids[2], status: 'queued', links: { self: `http://127.0.0.1:${api.port}/api/v1/videos/jobs/${ids[2]}` } });
    expect(typeof first.body.next_cursor).toBe('string');
    const second = await request(api.server).get(`/api/v1/videos/jobs?limit=2&cursor=${first.body.next_cursor}`).set(auth(KEY3));
    expect(second.body).toMatchObject({ jobs: [expect.objectContaining({ job_id: ids[0] })], next_cursor: null });

    const cancelled = await request(api.server).get('/api/v1/videos/jobs?status=cancelled').set(auth(KEY3));
    expect(cancelled.body.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([ids[1]]);
    const others = await request(api.server).get('/api/v1/videos/jobs').set(auth(KEY2));
    expect(others.body.jobs.map((j: { job_id: string }) => j.job_id)).not.toEqual(expect.arrayContaining([ids[0]]));
    for (const id of [ids[0], ids[2]]) await request(api.server).post(`/api/v1/videos/jobs/${id}/cancel`).set(auth(KEY3));
  });

  it.each([['limit=0'], ['limit=101'], ['status=sleeping'], ['cursor=%2F%2F'], ['cursor=bm9wZQ'], ['color=red']])('rejects ?%s with VALIDATION_FAILED', async (query) => {
    const res = await request(api.server).get(`/api/v1/videos/jobs?${query}`).set(auth(KEY3));
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', docs: 'docs/troubleshooting.md#validation_failed' });
  });
});

describe('idempotency', () => {
  it('replays the same request with 200 and the original job, and refuses a different one with 409', async () => {
    const key = `idem-${Date.now()}`;
    const body = { configuration: { topic: 'Idem', quality: 'low', scenes: [{ text: 'x', duration_seconds: 1 }] } };
    const first = await request(api.server).post('/api/v1/videos/generate').set(auth()).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(202);
    // Same request after defaults, keys in another order and defaults spelled out (silent, so no subtitles).
    const same = { configuration: { scenes: [{ duration_seconds: 1, text: 'x' }], subtitles: false, narration: false, quality: 'low', topic: 'Idem' } };
    const replay = await request(api.server).post('/api/v1/videos/generate').set(auth()).set('Idempotency-Key', key).send(same);
    expect(replay.status).toBe(200);
    expect(replay.body.job_id).toBe(first.body.job_id);
    expect(replay.headers.location).toBe(`/api/v1/videos/jobs/${first.body.job_id}`);

    const different = await request(api.server).post('/api/v1/videos/generate').set(auth()).set('Idempotency-Key', key).send(short('Other'));
    expect(different.status).toBe(409);
    expect(different.body.error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', category: 'conflict' });

    // Scoped per owner: the same key is a new job for another owner.
    const otherOwner = await request(api.server).post('/api/v1/videos/generate').set(auth(KEY2)).set('Idempotency-Key', key).send(body);
    expect(otherOwner.status).toBe(202);
    expect(otherOwner.body.job_id).not.toBe(first.body.job_id);
    for (const [id, k] of [[first.body.job_id, KEY1], [otherOwner.body.job_id, KEY2]]) await request(api.server).post(`/api/v1/videos/jobs/${id}/cancel`).set(auth(k));
  });

  it('resolves concurrent first requests with one key to one job', async () => {
    const key = `idem-race-${Date.now()}`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => request(api.server).post('/api/v1/videos/generate').set(auth()).set('Idempotency-Key', key).send(short('Race'))),
    );
    const ids = new Set(answers.map((a) => a.body.job_id));
    expect(ids.size).toBe(1);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 202]);
    const [jobId] = [...ids];
    const listed = await request(api.server).get('/api/v1/videos/jobs?limit=100').set(auth());
    expect(listed.body.jobs.filter((j: { configuration: { topic: string } }) => j.configuration.topic === 'Race')).toHaveLength(1);
    await request(api.server).post(`/api/v1/videos/jobs/${jobId}/cancel`).set(auth());
  });

  it('rejects a malformed key', async () => {
    const res = await request(api.server).post('/api/v1/videos/generate').set(auth()).set('Idempotency-Key', 'has space').send(short('Bad key'));
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('Idempotency-Key');
  });
});

describe('rate limit across API replicas', () => {
  it('answers 429 rate_limited with Retry-After once the owner used its submissions on any replica', async () => {
    const replicaEnv = { ...env.env, API_PORT: '0', RATE_LIMIT_SUBMISSIONS: '2', RATE_LIMIT_WINDOW_SECONDS: '120' };
    const a = await startApi(loadConfig(replicaEnv), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
    const b = await startApi(loadConfig(replicaEnv), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
    try {
      const post = (server: RunningApi) => request(server.server).post('/api/v1/videos/generate').set(auth(KEY4)).send(short('Limited'));
      const one = await post(a);
      const two = await post(b);
      expect([one.status, two.status]).toEqual([202, 202]);
      const three = await post(a);
      expect(three.status).toBe(429);
      expect(Number(three.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(three.headers['retry-after'])).toBeLessThanOrEqual(120);
      expect(three.body.error).toMatchObject({ code: 'RATE_LIMITED', category: 'rate_limited', retryable: true, docs: 'docs/troubleshooting.md#rate_limited' });
      // Another owner has its own budget.
      expect((await request(b.server).post('/api/v1/videos/generate').set(auth(KEY5)).send(short('Other owner'))).status).toBe(202);
      for (const r of [one, two]) await request(api.server).post(`/api/v1/videos/jobs/${r.body.job_id}/cancel`).set(auth(KEY4));
      // A retry starts a render too: it spends the same budget.
      const retried = await request(a.server).post(`/api/v1/videos/jobs/${one.body.job_id}/retry`).set(auth(KEY4));
      expect(retried.status).toBe(429);
      expect(retried.body.error.code).toBe('RATE_LIMITED');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

describe('error answers', () => {
  it('carry docs, also for Express-level failures, and each gets one log line with the correlation id', async () => {
    const malformed = await request(api.server).post('/api/v1/videos/generate').set(auth()).set('Content-Type', 'application/json').set('X-Correlation-ID', 'jc-corr-malformed').send('{"configuration":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 'MALFORMED_JSON', correlation_id: 'jc-corr-malformed', docs: 'docs/troubleshooting.md#malformed_json' });
    const unknown = await request(api.server).get('/nope').set('X-Correlation-ID', 'jc-corr-404');
    expect(unknown.body.error).toMatchObject({ code: 'ROUTE_NOT_FOUND', docs: 'docs/troubleshooting.md#route_not_found' });
    const badEscape = await request(api.server).get('/api/v1/videos/jobs/%E0%A4%A').set(auth());
    expect(badEscape.status).toBeLessThan(500);
    expect(badEscape.body.error.docs).toMatch(/^docs\/troubleshooting\.md#/);
    const lines = apiLogs
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === 'request rejected' && l.correlation_id === 'jc-corr-malformed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ code: 'MALFORMED_JSON', status: 400 });
  });
});

describe('with a worker', () => {
  beforeAll(async () => {
    worker = await startWorkerProcess(env.env);
  });

  it('cancels an active job: record cancelled at once, the workers are told, the event stream run ends', async () => {
    const sub = new Redis(env.env.REDIS_URL!);
    const messages: string[] = [];
    await sub.subscribe(controlChannel(env.prefix));
    sub.on('message', (_c, m) => messages.push(m));
    try {
      const jobId = await submit({ configuration: { topic: 'Active', quality: 'low', scenes: [{ text: 'x', duration_seconds: 4 }, { text: 'y', duration_seconds: 4 }] } });
      await waitForStatus(jobId, ['processing']);
      const res = await request(api.server).post(`/api/v1/videos/jobs/${jobId}/cancel`).set(auth());
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ job_id: jobId, status: 'cancelled', progress: { stage: 'cancelled' } });
      await waitFor(async () => messages.map((m) => JSON.parse(m)), (m) => m.some((x: { job_id: string }) => x.job_id === jobId), { timeoutMs: 5000, what: 'the cancel message' });
      expect(messages.map((m) => JSON.parse(m))).toContainEqual({ type: 'cancel', job_id: jobId });
      // The worker may finish its pipeline (the abort is the handler's), but it cannot complete a cancelled job.
      const snapshot = await redis.hget(`${env.prefix}:job:{${jobId}}:progress`, 'status');
      expect(snapshot).toBe('cancelled');
      expect((await getJob(jobId)).body.status).toBe('cancelled');
    } finally {
      sub.disconnect();
    }
  });

  it('retries a cancelled job as a new attempt that completes', async () => {
    const jobId = await submit();
    await request(api.server).post(`/api/v1/videos/jobs/${jobId}/cancel`).set(auth());
    const res = await request(api.server).post(`/api/v1/videos/jobs/${jobId}/retry`).set(auth());
    expect(res.status).toBe(202);
    // A free worker may pick the new attempt up before the API reads the job back for this answer.
    expect(res.body).toMatchObject({ job_id: jobId, completed_at: null, error: null, result: null });
    expect(['queued', 'processing']).toContain(res.body.status);
    const done = await waitForStatus(jobId, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    // The record is the truth; Bull keeps the finished attempt as history (QUEUE_HISTORY), which blocks nothing.
    await waitFor(async () => (await queue.getJob(`${jobId}-r1`))?.getState(), (state) => state === 'completed', { timeoutMs: 10000, what: 'Bull to finish the attempt' });
    const again = await request(api.server).post(`/api/v1/videos/jobs/${jobId}/retry`).set(auth());
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('JOB_NOT_RETRYABLE');
  });

  it('deletes a completed job: 204, the record and its keys are gone, and the workers purge every object', async () => {
    const jobId = await submit();
    const done = await waitForStatus(jobId, ['completed', 'failed']);
    expect(done.status).toBe('completed');
    const s3 = createS3Client({ ...loadConfig(env.env).s3 });
    try {
      const prefix = `videos/owner1/${jobId}/`;
      // An extra object under the job's prefix goes too.
      await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: `${prefix}extra.txt`, Body: 'x' }));
      const before = await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: prefix }));
      expect(before.KeyCount).toBeGreaterThan(1);

      const res = await request(api.server).delete(`/api/v1/videos/jobs/${jobId}`).set(auth());
      expect(res.status).toBe(204);
      expect((await getJob(jobId)).status).toBe(404);
      expect(await redis.exists(`${env.prefix}:job:{${jobId}}`, `${env.prefix}:job:{${jobId}}:progress`, jobVideoKey(env.prefix, jobId))).toBe(0);
      expect(await redis.zscore(`${env.prefix}:owner:owner1:jobs`, jobId)).toBeNull();
      await waitFor(
        async () => (await s3.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: prefix }))).KeyCount ?? 0,
        (count) => count === 0,
        { timeoutMs: 30000, what: 'the job objects to be purged' },
      );
      expect((await request(api.server).delete(`/api/v1/videos/jobs/${jobId}`).set(auth())).status).toBe(404);
    } finally {
      s3.destroy();
    }
  });

  it('deletes an active job after cancelling it', async () => {
    const jobId = await submit({ configuration: { topic: 'Delete active', quality: 'low', scenes: [{ text: 'x', duration_seconds: 4 }] } });
    await waitForStatus(jobId, ['processing']);
    const res = await request(api.server).delete(`/api/v1/videos/jobs/${jobId}`).set(auth());
    expect(res.status).toBe(204);
    expect((await getJob(jobId)).status).toBe(404);
  });
});
