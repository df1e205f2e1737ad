import { PassThrough } from 'node:stream';
import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore } from '@vidgen/queue';
import { createTestEnv, waitFor, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';
import { signEventToken } from '@vidgen/jobs';
import { openSse, type SseStream } from './sse-client';

const KEY1 = 'owner1-key-aaaa';
const KEY2 = 'owner2-key-bbbb';
const SECRET = 'test-signing-secret-0123456789abcdef';
const auth = (key = KEY1) => ({ Authorization: `Bearer ${key}` });

let env: TestEnv;
let api: RunningApi;
let redis: Redis;
let store: JobStore;
let tracker: JobProgressTracker;
const base = () => `http://127.0.0.1:${api.port}`;
const eventsUrl = (jobId: string) => `${base()}/api/v1/videos/jobs/${jobId}/events`;

const quietLogger = () => createLogger({ service: 'api', format: 'json', stream: new PassThrough().resume() });
/** Another API process on the same Redis prefix and S3 (a replica), with its own settings. */
const startReplica = (settings: Record<string, string> = {}) => startApi(loadConfig({ ...env.env, API_PORT: '0', ...settings }), quietLogger());

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `owner1:${KEY1},owner2:${KEY2}`, SIGNING_SECRET: SECRET, SSE_HEARTBEAT_MS: '200' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), quietLogger());
  redis = new Redis(env.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
  store = new JobStore(redis, env.prefix);
  tracker = new JobProgressTracker({ redis, prefix: env.prefix });
});

afterAll(async () => {
  await api?.stop();
  redis?.disconnect();
  await env?.cleanup();
});

async function submit(key = KEY1): Promise<string> {
  const res = await request(api.server).post('/api/v1/videos/generate').set(auth(key)).send({ configuration: { topic: 'Events', quality: 'low' } });
  expect(res.status).toBe(202);
  return res.body.job_id as string;
}

const getJob = async (jobId: string, key = KEY1) => (await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth(key))).body;

/** Does what the worker does at pickup (contract: record first, then the tracker run). */
async function pickUp(jobId: string, attempt = 1, writer = tracker): Promise<string> {
  expect(await store.markProcessing(jobId, attempt)).toBe('ok');
  const run = await writer.startRun(jobId, { attempt });
  if (!run.ok) throw new Error(`startRun refused: ${run.reason}`);
  return run.runId;
}

/** Completes the job; its transition ends the run (runId's) in the same script. Returns the final version. */
async function complete(jobId: string, runId: string): Promise<number> {
  expect(await store.complete(jobId, { outputs: [], duration_seconds: 2 })).toBe('ok');
  const finished = await tracker.getSnapshot(jobId);
  if (finished?.run_id !== runId || finished.status !== 'completed') throw new Error(`run not ended: ${JSON.stringify(finished)}`);
  return finished.version;
}

async function update(jobId: string, runId: string, stage: Parameters<JobProgressTracker['update']>[2], pct: number): Promise<number> {
  const result = await tracker.update(jobId, runId, stage, pct);
  if (!result.ok) throw new Error(`update refused: ${result.reason}`);
  return result.version;
}

const waitEnded = (s: SseStream) => waitFor(async () => s.ended, Boolean, { timeoutMs: 10000, what: 'the stream to end' });
const waitEvents = (s: SseStream, n: number) => waitFor(async () => s.events.length, (l) => l >= n, { timeoutMs: 10000, what: `${n} events` });

function expectOrdered(s: SseStream) {
  for (let i = 1; i < s.events.length; i += 1) {
    expect(s.events[i]!.id).toBeGreaterThan(s.events[i - 1]!.id);
    expect(s.events[i]!.data.progress.percentage).toBeGreaterThanOrEqual(s.events[i - 1]!.data.progress.percentage);
  }
}

describe('GET progress', () => {
  it('shows a queued view before pickup and the tracker stages, durations and ETA after', async () => {
    const jobId = await submit();
    const queued = await getJob(jobId);
    expect(queued.progress).toEqual({
      percentage: 0,
      stage: 'queued',
      stage_percentage: 0,
      stages: expect.arrayContaining([{ name: 'planning', status: 'pending', started_at: null, completed_at: null, duration_ms: null }]),
      eta_seconds: null,
    });
    expect(queued.progress.stages.every((s: { status: string }) => s.status === 'pending')).toBe(true);
    expect(queued.attempt).toBe(0);
    expect(queued.links.events).toMatch(new RegExp(`^${base()}/api/v1/videos/jobs/${jobId}/events\\?token=v1\\.\\d+\\.[\\w-]+\\.[\\w-]+$`));
    expect(queued.links.self).toBe(`${base()}/api/v1/videos/jobs/${jobId}`);

    // A writer whose clock started a minute ago, so the ETA has a pace to extrapolate from; its own
    // stage weights (the defaults follow measured shares and move): planning 2, rendering 45.
    let now = Date.now() - 60_000;
    const weights = { queued: 0, planning: 2, rendering_scenes: 45, combining: 10, generating_thumbnails: 5, encoding_renditions: 20, extracting_metadata: 2, uploading: 14, finalizing: 2 };
    const writer = new JobProgressTracker({ redis, prefix: env.prefix, clock: () => now, weights });
    const runId = await pickUp(jobId, 1, writer);
    now += 1000;
    expect((await writer.update(jobId, runId, 'planning', 100)).ok).toBe(true);
    now += 500;
    expect((await writer.update(jobId, runId, 'rendering_scenes', 50)).ok).toBe(true);

    const job = await getJob(jobId);
    expect(job).toMatchObject({ status: 'processing', attempt: 1, error: null, result: null });
    expect(job.progress).toMatchObject({ stage: 'rendering_scenes', stage_percentage: 50 });
    expect(job.progress.percentage).toBeGreaterThan(20);
    expect(job.progress.percentage).toBeLessThan(30);
    expect(job.progress.eta_seconds).toBeGreaterThan(0);
    const byName = Object.fromEntries(job.progress.stages.map((s: { name: string }) => [s.name, s]));
    // Stage times come from the writer's clock: queued from startRun to the first planning update, and so on.
    expect(byName.queued).toMatchObject({ status: 'done', duration_ms: 1000 });
    expect(byName.planning).toMatchObject({ status: 'done', duration_ms: 500 });
    expect(byName.rendering_scenes).toMatchObject({ status: 'active', completed_at: null, duration_ms: null });
    expect(byName.uploading).toMatchObject({ status: 'pending' });
    // The fields the API already had are still there.
    for (const f of ['configuration', 'created_at', 'updated_at', 'started_at', 'completed_at', 'last_error']) expect(job).toHaveProperty(f);
  });

  it('shows the queued view again while a retry is pending, and completed at 100 once done', async () => {
    const jobId = await submit();
    const runId = await pickUp(jobId);
    await update(jobId, runId, 'combining', 10);
    await store.markRetrying(jobId, { code: 'STORAGE_UPLOAD_FAILED', category: 'storage', message: 'x', suggested_action: 'y', retryable: true, stage: 'uploading', attempt: 1, occurred_at: new Date().toISOString() });
    const retrying = await getJob(jobId);
    expect(retrying).toMatchObject({ status: 'queued', progress: { percentage: 0, stage: 'queued', eta_seconds: null }, last_error: { code: 'STORAGE_UPLOAD_FAILED' } });

    const second = await pickUp(jobId, 2);
    await complete(jobId, second);
    const done = await getJob(jobId);
    expect(done).toMatchObject({ status: 'completed', attempt: 2, progress: { percentage: 100, stage: 'completed', stage_percentage: 100, eta_seconds: 0 } });
    expect(done.progress.stages.every((s: { status: string }) => s.status === 'done')).toBe(true);
  });
});

describe('GET /jobs/:job_id/events', () => {
  it('streams ordered events with the GET view until completed, then ends', async () => {
    const jobId = await submit();
    const s = await openSse(eventsUrl(jobId), auth());
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(s.headers['cache-control']).toBe('no-cache, no-transform');
    expect(s.headers['x-accel-buffering']).toBe('no');
    expect(s.headers.connection).toBe('keep-alive');
    await waitEvents(s, 1);
    expect(s.events[0]).toEqual({ id: 0, data: { job_id: jobId, status: 'queued', progress: (await getJob(jobId)).progress } });

    const runId = await pickUp(jobId);
    const versions = [await update(jobId, runId, 'planning', 50), await update(jobId, runId, 'rendering_scenes', 30)];
    await waitFor(async () => s.events.at(-1)?.id, (id) => id === versions[1], { what: 'the rendering event' });
    // Same version, nothing written since: the event shows what GET shows (ETA moves with the clock).
    const mid = await getJob(jobId);
    expect({ ...s.events.at(-1)!.data.progress, eta_seconds: 0 }).toEqual({ ...mid.progress, eta_seconds: 0 });
    expect(typeof s.events.at(-1)!.data.progress.eta_seconds).toBe('number');

    await update(jobId, runId, 'rendering_scenes', 90);
    await update(jobId, runId, 'uploading', 40);
    const finalVersion = await complete(jobId, runId);
    await waitEnded(s);
    expectOrdered(s);
    const last = s.events.at(-1)!;
    expect(last.data).toMatchObject({ status: 'completed', progress: { percentage: 100, stage: 'completed' } });
    const job = await getJob(jobId);
    expect(last.data).toEqual({ job_id: jobId, status: job.status, progress: job.progress });
    expect(s.events.filter((e) => e.data.status === 'completed')).toHaveLength(1);
    // Updates that arrive while a re-read is in flight coalesce, but the final version always arrives.
    expect(last.id).toBe(finalVersion);
    expect(s.events.length).toBeGreaterThanOrEqual(3);
    await waitFor(async () => api.openStreams(), (n) => n === 0, { what: 'stream listeners to be released' });
  });

  it('answers a finished job with its one terminal event and ends', async () => {
    const jobId = await submit();
    await complete(jobId, await pickUp(jobId));
    const s = await openSse(eventsUrl(jobId), auth());
    await waitEnded(s);
    expect(s.events).toHaveLength(1);
    expect(s.events[0]!.data).toMatchObject({ job_id: jobId, status: 'completed', progress: { percentage: 100 } });
  });

  it('resumes after a disconnect with Last-Event-ID: newer state at once, then the final state', async () => {
    const jobId = await submit();
    const runId = await pickUp(jobId);
    const first = await openSse(eventsUrl(jobId), auth());
    const v1 = await update(jobId, runId, 'planning', 60);
    await waitFor(async () => first.events.at(-1)?.id, (id) => id === v1, { what: `event ${v1}` });
    first.close();
    await waitFor(async () => api.openStreams(), (n) => n === 0, { what: 'the closed stream to be released' });

    // Missed while disconnected.
    await update(jobId, runId, 'rendering_scenes', 20);
    const v3 = await update(jobId, runId, 'rendering_scenes', 70);
    const resumed = await openSse(eventsUrl(jobId), { ...auth(), 'Last-Event-ID': String(v1) });
    await waitEvents(resumed, 1);
    expect(resumed.events[0]).toMatchObject({ id: v3, data: { status: 'processing', progress: { stage: 'rendering_scenes', stage_percentage: 70 } } });

    // Up to date: nothing is repeated; the next event is the next update.
    const upToDate = await openSse(eventsUrl(jobId), { ...auth(), 'Last-Event-ID': String(v3) });
    const v4 = await update(jobId, runId, 'uploading', 10);
    await waitEvents(upToDate, 1);
    expect(upToDate.events[0]!.id).toBe(v4);

    await complete(jobId, runId);
    await Promise.all([waitEnded(resumed), waitEnded(upToDate)]);
    for (const s of [resumed, upToDate]) {
      expectOrdered(s);
      expect(s.events.at(-1)!.data).toMatchObject({ status: 'completed', progress: { percentage: 100, stage: 'completed' } });
    }

    // Reconnecting after the end with the terminal event's id (header, or the query fallback): 204, which stops EventSource.
    const lastId = resumed.events.at(-1)!.id;
    for (const [url, headers] of [
      [eventsUrl(jobId), { ...auth(), 'Last-Event-ID': String(lastId) }],
      [`${eventsUrl(jobId)}?last_event_id=${lastId}`, auth()],
      [eventsUrl(jobId), { ...auth(), 'Last-Event-ID': String(lastId + 5) }],
    ] as const) {
      const after = await openSse(url, headers);
      expect(after.status).toBe(204);
      expect(after.events).toEqual([]);
    }
    // A client that missed the terminal event (an older id, or none) still gets it, then the end.
    for (const headers of [{ ...auth(), 'Last-Event-ID': String(lastId - 1) }, auth()]) {
      const late = await openSse(eventsUrl(jobId), headers);
      expect(late.status).toBe(200);
      await waitEnded(late);
      expect(late.events).toEqual([resumed.events.at(-1)]);
    }
    expect(api.streamSlots()).toBe(0);
  });

  it('never answers 204 while the job runs, whatever the Last-Event-ID', async () => {
    const jobId = await submit();
    const runId = await pickUp(jobId);
    const v1 = await update(jobId, runId, 'planning', 50);
    const s = await openSse(eventsUrl(jobId), { ...auth(), 'Last-Event-ID': String(v1 + 100) });
    expect(s.status).toBe(200);
    s.close();
    // Completed: the transition ended the run too, with a newer version than the client's, so no 204 either.
    const finished = { version: await complete(jobId, runId) };
    const between = await openSse(eventsUrl(jobId), { ...auth(), 'Last-Event-ID': String(v1) });
    expect(between.status).toBe(200);
    await waitEnded(between);
    expect(between.events.at(-1)).toMatchObject({ id: finished.version, data: { status: 'completed' } });
    expect((await openSse(eventsUrl(jobId), { ...auth(), 'Last-Event-ID': String(finished.version) })).status).toBe(204);
  });

  it('sends heartbeat comments while the job is idle', async () => {
    const jobId = await submit();
    const s = await openSse(eventsUrl(jobId), auth());
    await waitFor(async () => s.comments.filter((c) => c === 'hb').length, (n) => n >= 2, { what: 'two heartbeats' });
    expect(s.events).toHaveLength(1);
    s.close();
  });

  it('accepts the signed token from links.events without an Authorization header', async () => {
    const jobId = await submit();
    const { links } = await getJob(jobId);
    const s = await openSse(links.events);
    expect(s.status).toBe(200);
    await waitEvents(s, 1);
    expect(s.events[0]!.data).toMatchObject({ job_id: jobId, status: 'queued' });
    s.close();
  });

  describe('rejections', () => {
    let jobId: string;
    beforeAll(async () => {
      jobId = await submit();
    });

    const expectError = (s: SseStream, status: number, code: string) => {
      expect(s.status).toBe(status);
      expect(s.headers['content-type']).toMatch(/^application\/json/);
      expect(s.body).toEqual({
        error: expect.objectContaining({ code, message: expect.any(String), suggested_action: expect.any(String), retryable: false, correlation_id: s.headers['x-correlation-id'] }),
      });
    };

    it('401 TOKEN_INVALID for an expired, a tampered or another job’s token', async () => {
      const expired = signEventToken(SECRET, { jobId, owner: 'owner1', expiresAt: Math.floor(Date.now() / 1000) - 1 });
      expectError(await openSse(`${eventsUrl(jobId)}?token=${expired}`), 401, 'TOKEN_INVALID');

      const { links } = await getJob(jobId);
      const token = new URL(links.events, base()).searchParams.get('token')!;
      const [v, exp, owner, sig] = token.split('.') as [string, string, string, string];
      const flipped = `${v}.${exp}.${owner}.${sig.slice(0, -2)}${sig.at(-2) === 'A' ? 'B' : 'A'}${sig.at(-1)}`;
      expectError(await openSse(`${eventsUrl(jobId)}?token=${flipped}`), 401, 'TOKEN_INVALID');
      const extended = `${v}.${Number(exp) + 3600}.${owner}.${sig}`;
      expectError(await openSse(`${eventsUrl(jobId)}?token=${extended}`), 401, 'TOKEN_INVALID');
      const otherOwner = `${v}.${exp}.${Buffer.from('owner2').toString('base64url')}.${sig}`;
      expectError(await openSse(`${eventsUrl(jobId)}?token=${otherOwner}`), 401, 'TOKEN_INVALID');
      expectError(await openSse(`${eventsUrl(jobId)}?token=garbage`), 401, 'TOKEN_INVALID');

      const otherJob = await submit();
      expectError(await openSse(`${eventsUrl(otherJob)}?token=${token}`), 401, 'TOKEN_INVALID');
      // A wrong secret is tampering too.
      const forged = signEventToken('another-secret-0123456789abcdef0123', { jobId, owner: 'owner1', expiresAt: Math.floor(Date.now() / 1000) + 60 });
      expectError(await openSse(`${eventsUrl(jobId)}?token=${forged}`), 401, 'TOKEN_INVALID');
    });

    it('404 for another owner (key or validly signed token), 401 without credentials', async () => {
      expectError(await openSse(eventsUrl(jobId), auth(KEY2)), 404, 'JOB_NOT_FOUND');
      const owner2Token = signEventToken(SECRET, { jobId, owner: 'owner2', expiresAt: Math.floor(Date.now() / 1000) + 60 });
      expectError(await openSse(`${eventsUrl(jobId)}?token=${owner2Token}`), 404, 'JOB_NOT_FOUND');
      expectError(await openSse(eventsUrl(jobId)), 401, 'UNAUTHENTICATED');
      expectError(await openSse(eventsUrl(jobId), auth('wrong-key-zzzz')), 401, 'UNAUTHENTICATED');
      expectError(await openSse(eventsUrl('00000000-0000-4000-8000-000000000000'), auth()), 404, 'JOB_NOT_FOUND');
    });

    it('keeps tokens off every other route', async () => {
      const { links } = await getJob(jobId);
      const token = new URL(links.events, base()).searchParams.get('token')!;
      const res = await request(api.server).get(`/api/v1/videos/jobs/${jobId}?token=${token}`);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHENTICATED');
      const post = await request(api.server).post(`/api/v1/videos/jobs/${jobId}/events`).set(auth());
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe('GET, HEAD');
    });
  });
});

describe('event stream limits (SSE_MAX_STREAMS_PER_OWNER=2, SSE_MAX_STREAMS=3)', () => {
  let limited: RunningApi;
  const url = (jobId: string) => `http://127.0.0.1:${limited.port}/api/v1/videos/jobs/${jobId}/events`;
  const slotsFreed = (owner?: string) => waitFor(async () => limited.streamSlots(owner), (n) => n === 0, { what: `the stream slots${owner ? ` of ${owner}` : ''} to be released` });

  beforeAll(async () => {
    limited = await startReplica({ SSE_MAX_STREAMS_PER_OWNER: '2', SSE_MAX_STREAMS: '3' });
  });
  afterAll(async () => {
    await limited?.stop();
  });

  it('429 TOO_MANY_EVENT_STREAMS beyond the owner limit; a slot frees when one client disconnects', async () => {
    const jobId = await submit();
    const a = await openSse(url(jobId), auth());
    const b = await openSse(url(jobId), auth());
    await Promise.all([waitEvents(a, 1), waitEvents(b, 1)]);
    expect(limited.streamSlots('owner1')).toBe(2);

    const over = await openSse(url(jobId), auth());
    expect(over.status).toBe(429);
    expect(over.headers['content-type']).toMatch(/^application\/json/);
    expect(over.headers['retry-after']).toBe('5');
    expect(over.body).toEqual({
      error: {
        code: 'TOO_MANY_EVENT_STREAMS',
        category: 'rate_limited',
        message: expect.any(String),
        suggested_action: expect.any(String),
        retryable: true,
        correlation_id: over.headers['x-correlation-id'],
        docs: 'docs/troubleshooting.md#too_many_event_streams',
        details: { scope: 'owner', limit: 2, retry_after_seconds: 5 },
      },
    });
    // The signed link is the same owner: refused too. Refusals hold no slot.
    const { links } = await getJob(jobId);
    expect((await openSse(links.events.replace(base(), `http://127.0.0.1:${limited.port}`))).status).toBe(429);
    expect(limited.streamSlots('owner1')).toBe(2);
    // Another owner is not affected by owner1's limit.
    expect((await openSse(url(jobId), auth(KEY2))).status).toBe(404);

    a.close();
    await waitFor(async () => limited.streamSlots('owner1'), (n) => n === 1, { what: 'the disconnected stream’s slot to be released' });
    const c = await openSse(url(jobId), auth());
    expect(c.status).toBe(200);
    await waitEvents(c, 1);
    expect(c.events[0]!.data).toMatchObject({ job_id: jobId, status: 'queued' });
    b.close();
    c.close();
    await slotsFreed();
    await waitFor(async () => limited.openStreams(), (n) => n === 0, { what: 'stream listeners to be released' });
  });

  it('429 beyond the process limit, whoever the owner', async () => {
    const [job1, job2] = [await submit(), await submit(KEY2)];
    const streams = [await openSse(url(job1), auth()), await openSse(url(job1), auth()), await openSse(url(job2), auth(KEY2))];
    await Promise.all(streams.map((s) => waitEvents(s, 1)));
    const over = await openSse(url(job2), auth(KEY2));
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ error: { code: 'TOO_MANY_EVENT_STREAMS', details: { scope: 'process', limit: 3 } } });
    expect(limited.streamSlots('owner2')).toBe(1);
    // Another replica has its own count.
    const other = await openSse(`${eventsUrl(job2)}`, auth(KEY2));
    expect(other.status).toBe(200);
    other.close();

    streams[2]!.close();
    await waitFor(async () => limited.streamSlots(), (n) => n === 2, { what: 'one slot to be released' });
    const now = await openSse(url(job2), auth(KEY2));
    expect(now.status).toBe(200);
    for (const s of [...streams, now]) s.close();
    await slotsFreed();
  });

  it('gives the slot back on every other way a stream ends: terminal event, finished or unknown job, shutdown', async () => {
    const jobId = await submit();
    const runId = await pickUp(jobId);
    const live = await openSse(url(jobId), auth());
    await waitEvents(live, 1);
    expect(limited.streamSlots('owner1')).toBe(1);
    await complete(jobId, runId);
    await waitEnded(live);
    expect(live.named).toEqual([]);
    await slotsFreed();

    // More streams than the owner limit, one after the other: each ends after the terminal event.
    for (let i = 0; i < 3; i += 1) {
      const done = await openSse(url(jobId), auth());
      expect(done.status).toBe(200);
      await waitEnded(done);
    }
    // 404s (unknown job, another owner's job) keep nothing either.
    for (let i = 0; i < 3; i += 1) expect((await openSse(url('00000000-0000-4000-8000-000000000000'), auth())).status).toBe(404);
    for (let i = 0; i < 3; i += 1) expect((await openSse(url(jobId), auth(KEY2))).status).toBe(404);
    await slotsFreed();

    // Server shutdown: open streams end with a reconnect event and give their slots back.
    // A short grace: the clients' keep-alive sockets would otherwise hold stop() for the keep-alive timeout.
    const replica = await startReplica({ SSE_MAX_STREAMS_PER_OWNER: '2', SHUTDOWN_GRACE_MS: '300' });
    const running = await submit();
    const runningRun = await pickUp(running);
    const v = await update(running, runningRun, 'planning', 30);
    const replicaUrl = `http://127.0.0.1:${replica.port}/api/v1/videos/jobs/${running}/events`;
    const streams = [await openSse(replicaUrl, auth()), await openSse(replicaUrl, auth())];
    await Promise.all(streams.map((s) => waitEvents(s, 1)));
    expect(replica.streamSlots('owner1')).toBe(2);
    await replica.stop();
    for (const s of streams) {
      await waitEnded(s);
      expect(s.named).toEqual([{ event: 'reconnect', id: undefined, data: expect.objectContaining({ job_id: running, reason: 'shutdown', last_event_id: v }) }]);
    }
    expect(replica.streamSlots()).toBe(0);
    expect(replica.openStreams()).toBe(0);
  });
});

describe('event stream lifetime (SSE_MAX_LIFETIME_SECONDS=1)', () => {
  let short: RunningApi;
  const url = (jobId: string) => `http://127.0.0.1:${short.port}/api/v1/videos/jobs/${jobId}/events`;

  beforeAll(async () => {
    short = await startReplica({ SSE_MAX_LIFETIME_SECONDS: '1', SSE_HEARTBEAT_MS: '5000' });
  });
  afterAll(async () => {
    await short?.stop();
  });

  it('ends a stream at its lifetime with a reconnect event; the client resumes with Last-Event-ID', async () => {
    const jobId = await submit();
    const runId = await pickUp(jobId);
    const v1 = await update(jobId, runId, 'planning', 40);
    const opened = Date.now();
    const s = await openSse(url(jobId), auth());
    expect(s.status).toBe(200);
    await waitEnded(s);
    const lived = Date.now() - opened;
    // 1 s, at most 10% less (jitter), plus scheduling.
    expect(lived).toBeGreaterThanOrEqual(850);
    expect(lived).toBeLessThan(5000);
    expect(s.events.map((e) => e.id)).toEqual([v1]);
    expect(s.named).toEqual([
      {
        event: 'reconnect',
        // No id: an EventSource keeps the last progress id as its Last-Event-ID.
        id: undefined,
        data: {
          job_id: jobId,
          reason: 'max_lifetime',
          last_event_id: v1,
          retry_ms: expect.any(Number),
          url: expect.stringMatching(new RegExp(`^http://127\\.0\\.0\\.1:${short.port}/api/v1/videos/jobs/${jobId}/events\\?token=v1\\.\\d+\\.[\\w-]+\\.[\\w-]+&last_event_id=${v1}$`)),
        },
      },
    ]);
    // The retry: field, which EventSource uses as its reconnection delay, matches the event's retry_ms.
    expect(s.retries).toEqual([s.named[0]!.data.retry_ms]);
    expect(s.retries[0]).toBeGreaterThanOrEqual(1000);
    expect(s.retries[0]).toBeLessThan(3000);
    await waitFor(async () => [short.streamSlots(), short.openStreams()], ([a, b]) => a === 0 && b === 0, { what: 'the ended stream to be released' });

    // What EventSource does next: the same URL with Last-Event-ID; nothing is repeated, newer state comes at once.
    const v2 = await update(jobId, runId, 'planning', 80);
    const resumed = await openSse(url(jobId), { ...auth(), 'Last-Event-ID': String(s.events.at(-1)!.id) });
    await waitEvents(resumed, 1);
    expect(resumed.events[0]).toMatchObject({ id: v2, data: { status: 'processing', progress: { stage: 'planning', stage_percentage: 80 } } });
    resumed.close();
    // Or the event's fresh url (new token, last_event_id), without any header.
    const viaUrl = await openSse(String(s.named[0]!.data.url));
    expect(viaUrl.status).toBe(200);
    await waitEvents(viaUrl, 1);
    expect(viaUrl.events[0]!.id).toBe(v2);
    viaUrl.close();
    await complete(jobId, runId);
  });

  it('does not hold a stream past its lifetime even while updates keep coming', async () => {
    const jobId = await submit();
    const runId = await pickUp(jobId);
    const s = await openSse(url(jobId), auth());
    let pct = 0;
    while (!s.ended && pct < 100) {
      pct += 5;
      await update(jobId, runId, 'rendering_scenes', pct);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(s.ended).toBe(true);
    expect(s.named.map((e) => e.event)).toEqual(['reconnect']);
    expect(s.named[0]!.data.last_event_id).toBe(s.events.at(-1)!.id);
    expectOrdered(s);
  });
});

describe('queue_position events (issue 13)', () => {
  let replica: RunningApi;
  const url = (jobId: string) => `http://127.0.0.1:${replica.port}/api/v1/videos/jobs/${jobId}/events`;
  const positions = (s: SseStream) => s.named.filter((e) => e.event === 'queue_position').map((e) => e.data);

  beforeAll(async () => {
    replica = await startReplica({ SSE_QUEUE_POSITION_INTERVAL_MS: '200', SSE_HEARTBEAT_MS: '200' });
  });
  afterAll(async () => {
    await replica?.stop();
  });

  it('sends the queued job\'s position when it changes, read by the API on an interval, and none once it runs', async () => {
    const ahead = await submit();
    const jobId = await submit();
    const before = (await getJob(jobId)).queue_position as number;
    expect(before).toBeGreaterThan((await getJob(ahead)).queue_position as number);
    const s = await openSse(url(jobId), auth());
    await waitFor(async () => positions(s).length, (n) => n >= 1, { what: 'the first queue_position event' });
    // Many intervals pass (heartbeats are as frequent): an unchanged position is not sent again.
    await waitFor(async () => s.comments.length, (n) => n >= 5, { what: 'five heartbeats' });
    expect(positions(s)).toEqual([{ job_id: jobId, queue_position: before }]);
    // A job ahead leaves the queue: the next read sees one less.
    expect((await request(api.server).post(`/api/v1/videos/jobs/${ahead}/cancel`).set(auth())).status).toBe(202);
    await waitFor(async () => positions(s).length, (n) => n >= 2, { what: 'the changed position' });
    expect(positions(s)).toEqual([
      { job_id: jobId, queue_position: before },
      { job_id: jobId, queue_position: before - 1 },
    ]);
    // Positions are not progress: no id, so a reconnect still resumes from the last progress event.
    expect(s.named.every((e) => e.id === undefined)).toBe(true);
    // Picked up: progress events again, no more positions.
    const runId = await pickUp(jobId);
    await waitFor(async () => s.events.at(-1)?.data.status, (st) => st === 'processing', { what: 'the processing event' });
    await waitFor(async () => s.comments.length, (n) => n >= 10, { what: 'five more heartbeats' });
    expect(positions(s)).toHaveLength(2);
    await complete(jobId, runId);
    await waitEnded(s);
  });
});
