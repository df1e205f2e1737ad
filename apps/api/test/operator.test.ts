import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createS3Client, presignGetUrl } from '@vidgen/storage';
import { QUEUE_HISTORY, createVideoQueue, createWebhookQueue, enqueueJob } from '@vidgen/queue';
import { createTestEnv, waitFor, type TestEnv } from '@vidgen/testing';
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

  it('shows every queue, and keeps finished jobs as history: completed and failed stay on the board', async () => {
    const { redisUrl, prefix } = { redisUrl: env.env.REDIS_URL!, prefix: env.prefix };
    const video = createVideoQueue({ redisUrl, prefix });
    const webhooks = createWebhookQueue({ redisUrl, prefix });
    try {
      // A stand-in processor (no worker runs here): one job completes, one fails for good.
      void video.process(async (job) => {
        if (job.data.job_id === 'fails') throw new Error('deliberate failure');
        return 'done';
      });
      await enqueueJob(video, { job_id: 'completes', correlation_id: 'c1' }, { attempts: 1, backoffMs: 10 });
      await enqueueJob(video, { job_id: 'fails', correlation_id: 'c2' }, { attempts: 1, backoffMs: 10 });
      await waitFor(() => video.getJobCounts(), (c) => c.completed === 1 && c.failed === 1, { timeoutMs: 10000, what: 'both jobs to finish' });
      const kept = await video.getJob('completes');
      expect(kept!.opts).toMatchObject({ removeOnComplete: QUEUE_HISTORY.removeOnComplete, removeOnFail: QUEUE_HISTORY.removeOnFail });
      expect(QUEUE_HISTORY).toEqual({ removeOnComplete: { age: 86400, count: 1000 }, removeOnFail: { age: 7 * 86400, count: 10000 } });
      await webhooks.add({ event_id: 'e1', event: 'job.completed', job_id: 'completes', occurred_at: Date.now() }, { jobId: 'e1', ...QUEUE_HISTORY });

      const board = await request(api.server).get('/admin/queues/api/queues').query({ activeQueue: 'video-generation', status: 'completed', page: 1 }).set('Authorization', `Bearer ${ADMIN}`);
      expect(board.status).toBe(200);
      const queues = board.body.queues as Array<{ name: string; counts: Record<string, number>; jobs: Array<{ id: string }> }>;
      expect(queues.map((q) => q.name).sort()).toEqual(['maintenance', 'video-generation', 'webhooks']);
      const vq = queues.find((q) => q.name === 'video-generation')!;
      expect(vq.counts).toMatchObject({ completed: 1, failed: 1 });
      expect(vq.jobs.map((j) => j.id)).toEqual(['completes']);
      expect(queues.find((q) => q.name === 'webhooks')!.counts.waiting).toBe(1);
      const failed = await request(api.server).get('/admin/queues/api/queues').query({ activeQueue: 'video-generation', status: 'failed', page: 1 }).set('Authorization', `Bearer ${ADMIN}`);
      const failedJobs = (failed.body.queues as typeof queues).find((q) => q.name === 'video-generation')!.jobs as Array<{ id: string; failedReason: string }>;
      expect(failedJobs).toEqual([expect.objectContaining({ id: 'fails', failedReason: 'deliberate failure' })]);
    } finally {
      await video.close();
      await webhooks.close();
    }
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
