import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createS3Client, presignGetUrl } from '@vidgen/storage';
import { createTestEnv, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

const ADMIN = 'admin-key-0123456789abcdef';

describe('operator endpoints with ADMIN_API_KEY', () => {
  let env: TestEnv;
  let api: RunningApi;

  beforeAll(async () => {
    env = await createTestEnv({ ADMIN_API_KEY: ADMIN });
    api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough().resume() }));
  });
  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  it('mounts bull-board at /admin/queues behind the key: Bearer or Basic, never without it', async () => {
    const none = await request(api.server).get('/admin/queues');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    expect((await request(api.server).get('/admin/queues').set('Authorization', 'Bearer wrong-key-0123456789')).status).toBe(401);
    expect((await request(api.server).get('/admin/queues').auth('ops', 'wrong')).status).toBe(401);

    const bearer = await request(api.server).get('/admin/queues').set('Authorization', `Bearer ${ADMIN}`);
    expect(bearer.status).toBe(200);
    expect(bearer.text).toContain('vidgen queues');
    const basic = await request(api.server).get('/admin/queues/api/queues').auth('ops', ADMIN);
    expect(basic.status).toBe(200);
    expect(JSON.stringify(basic.body)).toContain('video-generation');
  });

  it('guards /metrics with the key and labels requests by route template, not raw path', async () => {
    expect((await request(api.server).get('/metrics')).status).toBe(401);
    const submitted = await request(api.server).post('/api/v1/videos/generate').send({ configuration: { topic: 'm', quality: 'low', scenes: [{ text: 'x', duration_seconds: 1 }] } });
    expect(submitted.status).toBe(202);
    await request(api.server).get(`/api/v1/videos/jobs/${submitted.body.job_id}`);
    await request(api.server).get('/no/such/path');
    const scrape = await request(api.server).get('/metrics').set('Authorization', `Bearer ${ADMIN}`);
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toMatch(/^text\/plain/);
    const text = scrape.text;
    expect(text).toContain('vidgen_jobs_submitted_total{quality="low",service="api"} 1');
    expect(text).toContain('vidgen_http_request_duration_seconds_count{service="api",method="POST",route="/api/v1/videos/generate",status="202"} 1');
    expect(text).toContain('vidgen_http_request_duration_seconds_count{service="api",method="GET",route="/api/v1/videos/jobs/:job_id",status="200"} 1');
    expect(text).toContain('route="unmatched",status="404"');
    expect(text).not.toContain(submitted.body.job_id);
    // The queue gauges: the job submitted above waits (no worker runs in this test).
    expect(text).toContain('vidgen_queue_jobs{state="waiting",service="api"} 1');
    expect(text).toMatch(/vidgen_queue_oldest_waiting_age_seconds\{service="api"\} \d/);
  });
});

describe('operator endpoints without ADMIN_API_KEY', () => {
  let env: TestEnv;
  let api: RunningApi;

  beforeAll(async () => {
    env = await createTestEnv();
    api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough().resume() }));
  });
  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  it('does not mount the board, and serves /metrics openly (kept internal by the ingress)', async () => {
    expect((await request(api.server).get('/admin/queues')).status).toBe(404);
    const scrape = await request(api.server).get('/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.text).toContain('vidgen_build_info');
  });

  it('logs a real presigned URL without its signature or credential', async () => {
    const client = createS3Client({ endpoint: env.s3.endpoint, region: 'us-east-1', credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 1 });
    const { url } = await presignGetUrl({ client, bucket: env.bucket, key: 'videos/o/j/video.mp4', expiresInSeconds: 60 });
    client.destroy();
    const signature = /X-Amz-Signature=([0-9a-f]+)/.exec(url)![1]!;
    let line = '';
    const stream = new PassThrough();
    stream.on('data', (d: Buffer) => (line += d.toString()));
    createLogger({ service: 'api', format: 'json', stream }).info('signed download url issued', { url });
    await new Promise((r) => setImmediate(r));
    expect(line).toContain('X-Amz-Signature=[redacted]');
    expect(line).toContain('X-Amz-Credential=[redacted]');
    expect(line).not.toContain(signature);
    expect(line).not.toContain(env.s3.accessKeyId);
  });
});
