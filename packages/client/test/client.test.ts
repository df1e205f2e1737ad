import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { startApi, type RunningApi } from '@vidgen/api';
import { createClient, VidgenApiError, VidgenJobError, type GenerateRequest, type JobEvent, type VidgenClient } from '@vidgen/client';
import { verifyWebhook, WebhookVerificationError } from '@vidgen/client/webhooks';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { signatureHeader } from '@vidgen/webhooks';

const KEY = 'client-owner-key-aaaa';
const SECRET = 'client-owner-secret-0123456789';
const job = (topic: string, extra: Partial<GenerateRequest> = {}): GenerateRequest => ({ configuration: { topic, quality: 'low', scenes: [{ text: 'One.', duration_seconds: 1 }, { text: 'Two.', duration_seconds: 1 }] }, ...extra });

/** A webhook receiver on 127.0.0.1 that keeps each delivery's raw body and headers. */
async function startReceiver() {
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let vg: VidgenClient;
let baseUrl: string;
/** Every events request the client made, with the Last-Event-ID it sent. */
const streams: Array<{ url: string; lastEventId: string | null }> = [];
/** When set, the next events answer is cut after its first chunk (a dropped connection). */
let dropNextStream = false;

/** The global fetch, recording events requests and cutting one stream when asked. */
const recordingFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  if (!request.url.includes('/events')) return fetch(request);
  streams.push({ url: request.url, lastEventId: request.headers.get('last-event-id') });
  const response = await fetch(request);
  if (!dropNextStream || !response.body) return response;
  dropNextStream = false;
  const reader = response.body.getReader();
  let sent = false;
  const cut = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent) {
        await reader.cancel();
        controller.error(new TypeError('terminated'));
        return;
      }
      const { value, done } = await reader.read();
      if (done) return controller.close();
      sent = true;
      controller.enqueue(value);
    },
  });
  return new Response(cut, { status: response.status, headers: response.headers });
};

beforeAll(async () => {
  receiver = await startReceiver();
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, WEBHOOK_SECRETS: `owner1:${SECRET}`, WEBHOOK_ALLOW_PRIVATE: 'true', NARRATION_ENABLED: 'false' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  worker = await startWorkerProcess(env.env);
  baseUrl = `http://127.0.0.1:${api.port}`;
  vg = createClient({ baseUrl, apiKey: KEY, fetch: recordingFetch });
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await env?.cleanup();
  await receiver?.close();
});

/** The VidgenApiError a call rejects with. */
async function apiError(call: Promise<unknown>): Promise<VidgenApiError> {
  const err = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VidgenApiError);
  return err as VidgenApiError;
}

describe('@vidgen/client against a real API and worker', () => {
  it('the committed schema.ts is what `generate` makes from the document now', async () => {
    const script = join(__dirname, '../scripts/generate.mjs');
    const run = await promisify(execFile)(process.execPath, [script, '--check']).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(run).toEqual({ code: 0, stderr: '' });
  });

  it('capabilities, usage and plan', async () => {
    const caps = await vg.capabilities();
    expect(caps.qualities.map((q) => q.name)).toContain('low');
    expect(caps.layouts.map((l) => l.name)).toContain('title');
    const usage = await vg.usage();
    expect(usage.jobs.running).toBeGreaterThanOrEqual(0);
    const plan = await vg.plan(job('Planned'));
    expect(plan.plan.scenes.length).toBeGreaterThanOrEqual(2);
    expect(plan.plan.width).toBe(854);
  });

  it('errors: a bad field, no key, an unknown job each throw VidgenApiError with code, details and correlation id', async () => {
    const bad = await apiError(vg.submit({ configuration: { topic: '' } }, { correlationId: 'client-corr-1' }));
    expect(bad).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', correlationId: 'client-corr-1' });
    expect(JSON.stringify(bad.details)).toContain('topic');
    const anonymous = await apiError(createClient({ baseUrl }).list());
    expect(anonymous).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(anonymous.correlationId).toEqual(expect.any(String));
    const missing = await apiError(vg.get('00000000-0000-4000-8000-000000000000'));
    expect(missing).toMatchObject({ status: 404, code: 'JOB_NOT_FOUND' });
  });

  it('submit with an Idempotency-Key answers the same job again; another body with that key is a 409', async () => {
    const first = await vg.submit(job('Idempotent'), { idempotencyKey: 'client-idem-1' });
    const again = await vg.submit(job('Idempotent'), { idempotencyKey: 'client-idem-1' });
    expect(again.job_id).toBe(first.job_id);
    const reused = await apiError(vg.submit(job('Something else'), { idempotencyKey: 'client-idem-1' }));
    expect(reused).toMatchObject({ status: 409, code: 'IDEMPOTENCY_KEY_REUSED' });
    await vg.cancel(first.job_id).catch(() => undefined);
  });

  it('list pages with cursors and filters by status', async () => {
    const mine: string[] = [];
    for (const topic of ['Listed 1', 'Listed 2', 'Listed 3']) {
      const { job_id } = await vg.submit(job(topic));
      await vg.cancel(job_id);
      mine.push(job_id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await vg.list({ status: 'cancelled', limit: 2, cursor });
      expect(page.jobs.length).toBeLessThanOrEqual(2);
      expect(page.jobs.every((j) => j.status === 'cancelled')).toBe(true);
      seen.push(...page.jobs.map((j) => j.job_id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(mine));
    expect(new Set(seen).size).toBe(seen.length);
    expect((await vg.list({ status: 'failed' })).jobs).toEqual([]);
  });

  it('cancel, waitForCompletion of the cancelled job, retry, delete', async () => {
    const { job_id } = await vg.submit(job('Cancelled'));
    const cancelled = await vg.cancel(job_id);
    expect(cancelled.status).toBe('cancelled');
    const waited = await vg.waitForCompletion(job_id).catch((e: unknown) => e);
    expect(waited).toBeInstanceOf(VidgenJobError);
    expect(waited).toMatchObject({ jobId: job_id, status: 'cancelled' });
    expect((await apiError(vg.cancel(job_id))).code).toBe('JOB_NOT_CANCELLABLE');
    const retried = await vg.retry(job_id);
    expect(['queued', 'processing']).toContain(retried.status);
    await vg.cancel(job_id).catch(() => undefined);
    await vg.delete(job_id);
    expect((await apiError(vg.get(job_id))).status).toBe(404);
  });

  it('waitForCompletion gives up after timeoutMs with a TimeoutError', async () => {
    const { job_id } = await vg.submit(job('Timed out'));
    const err = (await vg.waitForCompletion(job_id, { timeoutMs: 1 }).catch((e: unknown) => e)) as Error;
    expect(err.name).toBe('TimeoutError');
    await vg.cancel(job_id).catch(() => undefined);
  });

  it('follows a job to its end across a dropped connection, then waits for it, edits its metadata with If-Match and verifies its webhook', async () => {
    const { job_id } = await vg.submit(job('Followed', { callback_url: receiver.url }));
    streams.length = 0;
    dropNextStream = true;
    const events: JobEvent[] = [];
    for await (const e of vg.follow(job_id)) events.push(e);

    const progress = events.filter((e) => e.event === 'message');
    const last = progress[progress.length - 1]!;
    expect(last.data.status).toBe('completed');
    expect(last.data.progress.percentage).toBe(100);
    // Resumed: the second request carried the id of the only event the first one delivered, and no event came twice.
    expect(streams.length).toBeGreaterThanOrEqual(2);
    expect(streams[0]!.lastEventId).toBeNull();
    expect(streams[1]!.lastEventId).toBe(progress[0]!.id);
    const ids = progress.map((e) => Number(e.id));
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));

    // Resuming at the terminal event: a 204, so follow ends with nothing.
    const after: JobEvent[] = [];
    for await (const e of vg.follow(job_id, { lastEventId: last.id })) after.push(e);
    expect(after).toEqual([]);

    const done = await vg.waitForCompletion(job_id, { timeoutMs: 60000 });
    expect(done.status).toBe('completed');
    expect(done.result?.video_url).toEqual(expect.any(String));

    const { metadata, etag } = await vg.metadata.get(job_id);
    expect(metadata.title).toBe('Followed');
    expect(etag).not.toBe('');
    const edited = await vg.metadata.patch(job_id, { title: 'Renamed', tags: ['a'] }, { ifMatch: etag });
    expect(edited.metadata).toMatchObject({ title: 'Renamed', tags: ['a'], version: metadata.version + 1 });
    expect(edited.etag).not.toBe(etag);
    const conflict = await apiError(vg.metadata.patch(job_id, { title: 'Stale' }, { ifMatch: etag }));
    expect(conflict).toMatchObject({ status: 412, code: 'METADATA_VERSION_CONFLICT' });
    const versions = await vg.metadata.versions(job_id);
    expect(versions.versions.length).toBe(2);

    // The real delivery verifies; a changed byte, another secret or an old signature do not.
    const delivery = await waitFor(async () => receiver.received.find((r) => r.body.includes(job_id)), (r) => r !== undefined, { timeoutMs: 30000, what: 'the webhook' });
    const header = delivery!.headers['x-vidgen-signature'] as string;
    const event = verifyWebhook(delivery!.body, header, SECRET, 300);
    expect(event).toMatchObject({ event: 'job.completed', job: { job_id, status: 'completed' } });
    const refused = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof WebhookVerificationError ? e.reason : e;
      }
      return 'accepted';
    };
    expect(refused(() => verifyWebhook(delivery!.body.replace('completed', 'complete!'), header, SECRET, 300))).toBe('mismatch');
    expect(refused(() => verifyWebhook(Buffer.from(delivery!.body), header, 'another-secret-0123456789', 300))).toBe('mismatch');
    const old = signatureHeader(SECRET, delivery!.body, Date.now() / 1000 - 600);
    expect(refused(() => verifyWebhook(delivery!.body, old, SECRET, 300))).toBe('expired');
    expect(refused(() => verifyWebhook(delivery!.body, undefined, SECRET, 300))).toBe('missing');
    expect(refused(() => verifyWebhook('not json', signatureHeader(SECRET, 'not json', Date.now() / 1000), SECRET, 300))).toBe('invalid_body');
  });

  it("resumes after the server's `event: reconnect` (a stream's lifetime is over) and ends with the job", async () => {
    // A world of its own, with no worker (the job stays queued) and streams that live one second.
    const quiet = await createTestEnv({ API_KEYS: `owner1:${KEY}`, NARRATION_ENABLED: 'false', SSE_MAX_LIFETIME_SECONDS: '1' });
    const shortLived = await startApi(loadConfig({ ...quiet.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
    try {
      const client = createClient({ baseUrl: `http://127.0.0.1:${shortLived.port}`, apiKey: KEY, fetch: recordingFetch });
      const { job_id } = await client.submit(job('Reconnected'));
      streams.length = 0;
      const events: JobEvent[] = [];
      let cancelled = false;
      for await (const e of client.follow(job_id)) {
        events.push(e);
        // Once a second stream delivers (its queue position), the job ends.
        if (streams.length >= 2 && !cancelled) {
          cancelled = true;
          await client.cancel(job_id);
        }
      }
      expect(streams.length).toBeGreaterThanOrEqual(2);
      const progress = events.filter((e) => e.event === 'message');
      expect(streams[1]!.lastEventId).toBe(progress[0]!.id);
      // follow ended (on the terminal event, or on the 204 of a resume past it: a job cancelled while
      // queued keeps progress version 0, so a client that resumes at 0 gets the 204 without the event).
      expect((await client.get(job_id)).status).toBe('cancelled');
    } finally {
      await shortLived.stop();
      await quiet.cleanup();
    }
  });
});
