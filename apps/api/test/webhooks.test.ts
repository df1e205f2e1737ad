import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { verifySignature } from '@vidgen/webhooks';
import { startApi, type RunningApi } from '../src/app';

const KEY = 'wh-owner-key-aaaa';
const SECRET = 'wh-owner-secret-0123456789';
const auth = { Authorization: `Bearer ${KEY}` };
const job = (topic: string, callback_url: string) => ({ callback_url, configuration: { topic, quality: 'low', scenes: [{ text: 'x', duration_seconds: 1 }] } });

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A receiver on 127.0.0.1: /ok answers 200; /flaky answers 503 twice, then 200. */
async function startReceiver() {
  const received: Received[] = [];
  let flakyCalls = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      const path = req.url ?? '';
      const status = path.startsWith('/flaky') ? (++flakyCalls <= 2 ? 503 : 200) : 200;
      received.push({ path, headers: req.headers, body, answered: status });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { received, base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function stack(overrides: Record<string, string>) {
  // Links in webhook bodies are absolute under PUBLIC_BASE_URL, their tokens signed with SIGNING_SECRET (the worker builds them).
  const env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, WEBHOOK_SECRETS: `owner1:${SECRET}`, WEBHOOK_BACKOFF_MS: '100', PUBLIC_BASE_URL: 'https://api.vidgen.test', SIGNING_SECRET: 'webhook-test-signing-secret-0123456789', ...overrides });
  const api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  const worker = await startWorkerProcess(env.env);
  return { env, api, worker };
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let open: { env: TestEnv; api: RunningApi; worker: WorkerHandle };

beforeAll(async () => {
  receiver = await startReceiver();
  open = await stack({ WEBHOOK_ALLOW_PRIVATE: 'true' });
});

afterAll(async () => {
  await open?.api.stop();
  await open?.worker.stop();
  await open?.env.cleanup();
  await receiver?.close();
});

const getJob = (api: RunningApi, jobId: string) => request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth);

describe('webhooks (a receiver on 127.0.0.1, WEBHOOK_ALLOW_PRIVATE=true)', () => {
  it('POSTs a signed job.completed event with the job as GET shows it, and lists the delivery on the job', async () => {
    const submitted = await request(open.api.server).post('/api/v1/videos/generate').set(auth).set('X-Correlation-ID', 'hook-corr-1').send(job('Hooked', `${receiver.base}/ok`));
    expect(submitted.status).toBe(202);
    const jobId = submitted.body.job_id as string;
    const delivery = await waitFor(
      async () => receiver.received.find((r) => r.path === '/ok' && r.body.includes(jobId)),
      (r) => r !== undefined,
      { timeoutMs: 60000, what: 'the webhook delivery' },
    );
    const { headers, body } = delivery!;
    // The receiver checks the signature as a client would.
    expect(verifySignature({ secret: SECRET, body, header: headers['x-vidgen-signature'] as string, nowSeconds: Date.now() / 1000 })).toBe(true);
    expect(verifySignature({ secret: 'some-other-secret-000000', body, header: headers['x-vidgen-signature'] as string, nowSeconds: Date.now() / 1000 })).toBe(false);
    const event = JSON.parse(body);
    expect(headers['x-vidgen-event']).toBe('job.completed');
    expect(headers['x-vidgen-delivery']).toBe(event.event_id);
    expect(event).toMatchObject({ event: 'job.completed', job: { job_id: jobId, status: 'completed', error: null, links: { self: `https://api.vidgen.test/api/v1/videos/jobs/${jobId}` } } });
    expect(event.event_id).toMatch(/^evt_/);
    const got = await fetch(event.job.result.video_url);
    expect(got.status).toBe(200);

    const view = await waitFor(
      async () => (await getJob(open.api, jobId)).body,
      (b) => (b.webhook?.deliveries ?? []).length > 0,
      { timeoutMs: 10000, what: 'the delivery on the job' },
    );
    // The delivery is logged under the job's correlation id.
    const delivered = await waitFor(
      async () => open.worker.logLines().find((l) => l.message === 'webhook delivered' && l.job_id === jobId),
      (l) => l !== undefined,
      { timeoutMs: 10000, what: 'the delivery log line' },
    );
    expect(delivered!.correlation_id).toBe('hook-corr-1');
    expect(view.webhook).toEqual({
      callback_url: `${receiver.base}/ok`,
      deliveries: [expect.objectContaining({ event_id: event.event_id, event: 'job.completed', attempt: 1, ok: true, status_code: 200 })],
    });

    // The body's job is what GET shows, minus links.events: one presenter (tokens are minted per second, and
    // the deliveries listed are those before this one).
    const untokened = (url: string | null) => url?.replace(/\?token=[^&]+$/, '?token=…') ?? null;
    const comparable = (j: typeof view) => ({
      ...j,
      result: { ...j.result, hls_url: untokened(j.result.hls_url), storyboard_url: untokened(j.result.storyboard_url) },
      webhook: { ...j.webhook, deliveries: [] },
    });
    const { events: _events, ...links } = view.links;
    expect(comparable(event.job)).toEqual(comparable({ ...view, links }));
    expect(event.job.result.hls_url).toMatch(/^https:\/\/api\.vidgen\.test\/api\/v1\/videos\/jobs\/.+\/hls\/master\.m3u8\?token=/);
    expect(event.job.result.download_url).toEqual(expect.any(String));
    // Its HLS link opens at the API (the worker signs with the same SIGNING_SECRET).
    const playlist = await request(open.api.server).get(event.job.result.hls_url.replace('https://api.vidgen.test', ''));
    expect(playlist.status).toBe(200);
  });

  it('retries a receiver that fails twice, with backoff, until it answers 2xx', async () => {
    const submitted = await request(open.api.server).post('/api/v1/videos/generate').set(auth).send(job('Flaky', `${receiver.base}/flaky`));
    const jobId = submitted.body.job_id as string;
    const view = await waitFor(
      async () => (await getJob(open.api, jobId)).body,
      (b) => (b.webhook?.deliveries ?? []).some((d: { ok: boolean }) => d.ok),
      { timeoutMs: 60000, what: 'a successful delivery after failures' },
    );
    expect(view.webhook.deliveries.map((d: { attempt: number; ok: boolean; status_code: number }) => [d.attempt, d.ok, d.status_code])).toEqual([
      [1, false, 503],
      [2, false, 503],
      [3, true, 200],
    ]);
    expect(view.webhook.deliveries[0]).toMatchObject({ error_code: 'WEBHOOK_DELIVERY_FAILED', will_retry: true });
    const flaky = receiver.received.filter((r) => r.path === '/flaky');
    expect(flaky.map((r) => r.answered)).toEqual([503, 503, 200]);
    // One event, delivered three times under one delivery id.
    expect(new Set(flaky.map((r) => r.headers['x-vidgen-delivery'])).size).toBe(1);
  });

  it('sends job.cancelled when the API cancels a job', async () => {
    const submitted = await request(open.api.server).post('/api/v1/videos/generate').set(auth).send(job('Cancelled hook', `${receiver.base}/ok?c=1`));
    const jobId = submitted.body.job_id as string;
    await request(open.api.server).post(`/api/v1/videos/jobs/${jobId}/cancel`).set(auth);
    const delivery = await waitFor(
      async () => receiver.received.find((r) => r.body.includes(jobId)),
      (r) => r !== undefined,
      { timeoutMs: 30000, what: 'the cancelled event' },
    );
    expect(delivery!.headers['x-vidgen-event']).toBe('job.cancelled');
    expect(JSON.parse(delivery!.body).job).toMatchObject({ job_id: jobId, status: 'cancelled' });
    // Progress as GET shows it (where the run stopped), not the record's 0.
    expect(JSON.parse(delivery!.body).job.progress).toEqual((await getJob(open.api, jobId)).body.progress);
  });

  it('rejects a callback_url that is not http(s) at submission', async () => {
    const res = await request(open.api.server).post('/api/v1/videos/generate').set(auth).send(job('Bad', 'ftp://example.com/x'));
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('callback_url');
  });
});

describe('webhooks with WEBHOOK_ALLOW_PRIVATE unset', () => {
  let closed: { env: TestEnv; api: RunningApi; worker: WorkerHandle };
  beforeAll(async () => {
    closed = await stack({});
  });
  afterAll(async () => {
    await closed?.api.stop();
    await closed?.worker.stop();
    await closed?.env.cleanup();
  });

  it('refuses a callback URL on a private address: nothing reaches the receiver, the refusal is on the job', async () => {
    const submitted = await request(closed.api.server).post('/api/v1/videos/generate').set(auth).send(job('Private', `${receiver.base}/ok?private=1`));
    const jobId = submitted.body.job_id as string;
    const view = await waitFor(
      async () => (await getJob(closed.api, jobId)).body,
      (b) => (b.webhook?.deliveries ?? []).length > 0,
      { timeoutMs: 60000, what: 'the refused delivery' },
    );
    expect(view.status).toBe('completed');
    expect(view.webhook.deliveries).toEqual([expect.objectContaining({ attempt: 1, ok: false, status_code: null, error_code: 'CALLBACK_URL_NOT_ALLOWED', will_retry: false })]);
    expect(receiver.received.filter((r) => r.path.includes('private=1'))).toEqual([]);
  });
});
