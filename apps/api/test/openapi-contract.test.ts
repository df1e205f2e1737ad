import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import Redis from 'ioredis';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { startVoiceHeartbeat } from '@vidgen/queue';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';
import { attachContract, type ContractRecorder, type OpenApiDoc } from './contract-recorder';

const KEY = 'contract-owner-key-aaaa';
const SECRET = 'contract-owner-secret-0123456789';
const auth = { Authorization: `Bearer ${KEY}` };
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const job = (topic: string, extra: Record<string, unknown> = {}) => ({ configuration: { topic, quality: 'low', scenes: [{ text: 'x', duration_seconds: 1 }] }, ...extra });

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;
let contract: ContractRecorder;
let receiver: { bodies: string[]; url: string; close(): Promise<void> };

async function startReceiver(): Promise<typeof receiver> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      bodies.push(body);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { bodies, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

beforeAll(async () => {
  receiver = await startReceiver();
  env = await createTestEnv({
    API_KEYS: `owner1:${KEY}`,
    NARRATION_ENABLED: 'false',
    WEBHOOK_SECRETS: `owner1:${SECRET}`,
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // Small limits, so the 429s are reachable: one open event stream, 40 video seconds a day.
    SSE_MAX_STREAMS_PER_OWNER: '1',
    OWNER_DAILY_VIDEO_SECONDS: '40',
  });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  worker = await startWorkerProcess(env.env);
  const doc = (await request(api.server).get('/api/v1/openapi.json')).body as OpenApiDoc;
  contract = attachContract(api.server, doc);
});

afterAll(async () => {
  contract?.detach();
  await api?.stop();
  await worker?.stop();
  await env?.cleanup();
  await receiver?.close();
});

const r = () => request(api.server);

/** Opens an event stream and resolves once its first frame arrived; the stream stays open until close(). */
function openStream(jobId: string): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`http://127.0.0.1:${api.port}/api/v1/videos/jobs/${jobId}/events`, { headers: { ...auth, Accept: 'text/event-stream' } }, (res) => {
      res.once('data', () => resolve({ close: () => req.destroy() }));
    });
    req.on('error', reject);
  });
}

describe('the API answers as its OpenAPI document says, and the tests exercise every documented status', () => {
  it('drives every operation through every documented status; each answer matches its schema (closed objects)', async () => {
    // The document itself, and revalidation.
    const docRes = await r().get('/api/v1/openapi.json');
    await r().get('/api/v1/openapi.json').set('If-None-Match', docRes.headers.etag!);

    for (const path of ['/api/v1/capabilities', '/api/v1/usage', '/api/v1/videos/jobs', `/api/v1/videos/jobs/${UNKNOWN}`]) {
      await r().get(path).set(auth);
      await r().get(path); // 401
    }
    await r().get('/api/v1/videos/jobs?limit=1000').set(auth); // 400

    await r().post('/api/v1/videos/plan').set(auth).send(job('Planned'));
    await r().post('/api/v1/videos/plan').set(auth).send({ configuration: { topic: '' } });
    await r().post('/api/v1/videos/plan').send(job('Planned'));

    // A job that completes (with a webhook), submitted with an Idempotency-Key: 202, the replay 200, another body 409.
    const created = await r().post('/api/v1/videos/generate').set(auth).set('Idempotency-Key', 'contract-1').send(job('Contract', { callback_url: receiver.url }));
    expect(created.status).toBe(202);
    const done = created.body.job_id as string;
    expect((await r().post('/api/v1/videos/generate').set(auth).set('Idempotency-Key', 'contract-1').send(job('Contract', { callback_url: receiver.url }))).status).toBe(200);
    await r().post('/api/v1/videos/generate').set(auth).set('Idempotency-Key', 'contract-1').send(job('Another'));
    await r().post('/api/v1/videos/generate').set(auth).send({ configuration: { topic: '' } });
    await r().post('/api/v1/videos/generate').send(job('Anonymous'));
    // Over the owner's 40 video seconds a day.
    const long = { configuration: { topic: 'Long', quality: 'low', scenes: [1, 2, 3].map(() => ({ text: 'x', duration_seconds: 15 })) } };
    expect((await r().post('/api/v1/videos/generate').set(auth).send(long)).status).toBe(429);

    // A job held open by one event stream: a second stream of the owner is a 429; cancelled, it ends.
    const held = (await r().post('/api/v1/videos/generate').set(auth).send(job('Held'))).body.job_id as string;
    const stream = await openStream(held);
    expect((await r().get(`/api/v1/videos/jobs/${held}/events`).set(auth)).status).toBe(429);
    stream.close();

    // Cancel (202, again 409), retry (202), cancel, delete (204, again 404); a cancelled job answers 409 where only completed ones may.
    const cancelled = (await r().post('/api/v1/videos/generate').set(auth).send(job('Cancelled'))).body.job_id as string;
    for (const id of [held, cancelled]) expect((await r().post(`/api/v1/videos/jobs/${id}/cancel`).set(auth)).status).toBe(202);
    await r().post(`/api/v1/videos/jobs/${cancelled}/cancel`).set(auth);
    expect((await r().post(`/api/v1/videos/jobs/${held}/retry`).set(auth)).status).toBe(202);
    await r().post(`/api/v1/videos/jobs/${held}/cancel`).set(auth);
    expect((await r().delete(`/api/v1/videos/jobs/${held}`).set(auth)).status).toBe(204);
    for (const path of ['cancel', 'retry']) {
      await r().post(`/api/v1/videos/jobs/${UNKNOWN}/${path}`).set(auth);
      await r().post(`/api/v1/videos/jobs/${cancelled}/${path}`);
    }
    await r().delete(`/api/v1/videos/jobs/${held}`).set(auth);
    await r().delete(`/api/v1/videos/jobs/${held}`);
    await r().get(`/api/v1/videos/jobs/${cancelled}/metadata`).set(auth);
    await r().patch(`/api/v1/videos/jobs/${cancelled}/metadata`).set(auth).set('If-Match', '"x"').send({ title: 'No' });
    await r().get(`/api/v1/videos/jobs/${cancelled}/download`).set(auth);

    // The completed job: result, metadata with ETags, versions, download, its event stream, HLS, storyboard.
    const completed = await waitFor(async () => (await r().get(`/api/v1/videos/jobs/${done}`).set(auth)).body, (b) => ['completed', 'failed'].includes(b.status), { timeoutMs: 60000, what: 'the job' });
    expect(completed.status).toBe('completed');
    await r().post(`/api/v1/videos/jobs/${done}/retry`).set(auth); // 409 JOB_NOT_RETRYABLE
    const meta = await r().get(`/api/v1/videos/jobs/${done}/metadata`).set(auth);
    expect(meta.status).toBe(200);
    await r().get(`/api/v1/videos/jobs/${done}/metadata`).set(auth).set('If-None-Match', meta.headers.etag!); // 304
    const metaPath = `/api/v1/videos/jobs/${done}/metadata`;
    expect((await r().patch(metaPath).set(auth).set('If-Match', meta.headers.etag!).send({ title: 'Edited' })).status).toBe(200);
    await r().patch(metaPath).set(auth).set('If-Match', meta.headers.etag!).send({ title: 'Stale' }); // 412
    await r().patch(metaPath).set(auth).send({ title: 'No If-Match' }); // 428
    await r().patch(metaPath).set(auth).set('If-Match', meta.headers.etag!).send({ title: 7 }); // 400
    for (const [method, path] of [
      ['get', 'metadata'],
      ['patch', 'metadata'],
      ['get', 'metadata/versions'],
      ['get', 'download'],
      ['get', 'events'],
      ['get', 'hls/master.m3u8'],
      ['get', 'hls/480p/index.m3u8'],
      ['get', 'storyboard.vtt'],
    ] as const) {
      const known = r()[method](`/api/v1/videos/jobs/${done}/${path}`);
      if (method === 'get') expect({ path, status: (await known.set(auth)).status }).toEqual({ path, status: path === 'download' ? 302 : 200 });
      await r()[method](`/api/v1/videos/jobs/${UNKNOWN}/${path}`).set(auth).set('If-Match', '"x"').send(method === 'patch' ? { title: 'x' } : undefined); // 404
      await r()[method](`/api/v1/videos/jobs/${done}/${path}`); // 401
    }
    await r().get(`/api/v1/videos/jobs/${done}/metadata/versions?limit=0`).set(auth); // 400
    // Resumed at the terminal event: 204.
    const frames = (await r().get(`/api/v1/videos/jobs/${done}/events`).set(auth)).text;
    const lastId = [...frames.matchAll(/^id: (\d+)$/gm)].pop()![1]!;
    // Each frame's data matches the schema of its event type.
    const events = frames.split('\n\n').filter((block) => /^data: /m.test(block));
    expect(events.length).toBeGreaterThan(0);
    for (const block of events) {
      const type = /^event: (.+)$/m.exec(block)?.[1] ?? 'message';
      const data = JSON.parse(/^data: (.*)$/m.exec(block)![1]!);
      expect({ type, errors: contract.conforms(type === 'message' ? 'JobEventData' : type === 'queue_position' ? 'QueuePositionEventData' : 'ReconnectEventData', data) }).toEqual({ type, errors: [] });
    }
    expect((await r().get(`/api/v1/videos/jobs/${done}/events`).set(auth).set('Last-Event-ID', lastId)).status).toBe(204);

    // The webhook body matches its schema too.
    const delivered = await waitFor(async () => receiver.bodies.find((b) => b.includes(done)), (b) => b !== undefined, { timeoutMs: 30000, what: 'the webhook' });
    expect(contract.conforms('WebhookEvent', JSON.parse(delivered!))).toEqual([]);
    // And the job, which now lists its delivery.
    await waitFor(async () => (await r().get(`/api/v1/videos/jobs/${done}`).set(auth)).body, (b) => b.webhook.deliveries.length > 0, { timeoutMs: 10000, what: 'the delivery on the job' });

    expect(contract.problems).toEqual([]);
    expect(contract.unexercised()).toEqual([]);
  });

  it('capabilities with narration on and a live voice match the document too', async () => {
    const narrated = await startApi(loadConfig({ ...env.env, NARRATION_ENABLED: 'true', API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
    const redis = new Redis(env.env.REDIS_URL!);
    const beat = await startVoiceHeartbeat({ redis, prefix: env.prefix, workerId: 'contract-worker', engine: 'espeak', voices: [{ id: 'espeak:en-us', engine: 'espeak', name: 'en-us' }] });
    const recorder = attachContract(narrated.server, (await request(narrated.server).get('/api/v1/openapi.json')).body as OpenApiDoc);
    try {
      const caps = await request(narrated.server).get('/api/v1/capabilities').set(auth);
      expect(caps.body.voices.length).toBeGreaterThan(0);
      expect(caps.body.default_voice).toEqual(expect.any(String));
      expect(recorder.problems).toEqual([]);
      expect(recorder.seen.get('getCapabilities 200')).toBe(1);
    } finally {
      await beat.stop();
      redis.disconnect();
      await narrated.stop();
    }
  });

  it('the schemas can fail: a job missing its links, with an extra key, or the short answer of /generate does not conform', async () => {
    const created = await r().post('/api/v1/videos/generate').set(auth).send(job('Schemas'));
    const got = (await r().get(`/api/v1/videos/jobs/${created.body.job_id}`).set(auth)).body;
    await r().post(`/api/v1/videos/jobs/${created.body.job_id}/cancel`).set(auth);
    expect(contract.conforms('Job', got)).toEqual([]);
    const { links: _links, ...withoutLinks } = got;
    expect(contract.conforms('Job', withoutLinks)).not.toEqual([]);
    expect(contract.conforms('Job', { ...got, surprise: 1 })).not.toEqual([]);
    expect(contract.conforms('Job', { ...got, progress: { ...got.progress, surprise: 1 } })).not.toEqual([]);
    expect(contract.conforms('Job', created.body)).not.toEqual([]);
  });
});

describe('the contract recorder', () => {
  it('fails on an undocumented status, an extra key, a wrong media type, a missing required header; lists what was never exercised', async () => {
    const doc: OpenApiDoc = {
      components: { schemas: { Thing: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'], additionalProperties: false } } },
      paths: {
        '/thing/{id}': {
          get: {
            operationId: 'getThing',
            responses: {
              '200': { headers: { ETag: { required: true } }, content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
              '404': { content: { 'application/json': { schema: { type: 'object' } } } },
              default: { content: { 'application/json': { schema: { type: 'object' } } } },
            },
          },
        },
      },
    };
    const answers: Record<string, [number, string, string, Record<string, string>]> = {
      '/thing/1': [200, 'application/json', '{"a":1}', { ETag: '"1"' }],
      '/thing/2': [200, 'application/json', '{"a":1,"b":2}', { ETag: '"2"' }],
      '/thing/3': [500, 'application/json', '{}', {}],
      '/thing/4': [200, 'text/plain', 'a=1', { ETag: '"4"' }],
      '/thing/5': [200, 'application/json', '{"a":5}', {}],
    };
    const server = http.createServer((req, res) => {
      const [status, type, body, headers] = answers[req.url!]!;
      res.writeHead(status, { 'Content-Type': type, ...headers });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const recorder = attachContract(server, doc);
    try {
      for (const path of Object.keys(answers)) await request(server).get(path);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    expect(recorder.problems).toEqual([
      expect.stringMatching(/^getThing 200: .*must NOT have additional properties/),
      'getThing 500: status not documented',
      expect.stringMatching(/^getThing 200: content type text\/plain not documented/),
      'getThing 200: required header ETag missing',
    ]);
    expect(recorder.unexercised()).toEqual(['getThing 404']);
    expect(recorder.seen.get('getThing 200')).toBe(4);
  });
});
