import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

// A narrated job's HLS master carries a SUBTITLES rendition (segmented WebVTT): the API must
// serve its playlist like any variant, with signed URLs for the .vtt segments.
const KEY = 'subs-owner-key-aaaaaaaa';

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;
let hlsUrl: string;
let jobId: string;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `subsowner:${KEY}`, SIGNING_SECRET: 's'.repeat(40), NARRATION_ENABLED: 'true' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', level: 'error' }));
  worker = await startWorkerProcess(env.env);
  const submitted = await request(api.server)
    .post('/api/v1/videos/generate')
    .set('Authorization', `Bearer ${KEY}`)
    .send({ configuration: { topic: 'Subtitles', quality: 'low', narration: true, scenes: [{ text: 'Rivers carry water to the sea.', duration_seconds: 1 }] } });
  expect(submitted.status).toBe(202);
  jobId = submitted.body.job_id as string;
  const job = await waitFor(
    async () => (await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set('Authorization', `Bearer ${KEY}`)).body,
    (b) => b.status === 'completed' || b.status === 'failed',
    { timeoutMs: 120000, what: 'job end' },
  );
  expect({ status: job.status, error: job.error }).toEqual({ status: 'completed', error: null });
  hlsUrl = job.result.hls_url as string;
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await env?.cleanup();
});

it('serves the subtitles rendition of a narrated job: a tokenized playlist URI in the master, signed WebVTT segments with the spoken words', async () => {
  const master = await (await fetch(hlsUrl)).text();
  const media = master.split('\n').find((l) => l.startsWith('#EXT-X-MEDIA:') && l.includes('TYPE=SUBTITLES'));
  expect(media).toBeDefined();
  const uri = /URI="([^"]+)"/.exec(media!)![1]!;
  expect(uri).toMatch(/^[\w-]+\/index\.m3u8\?token=v1\./);

  const playlist = await fetch(new URL(uri, hlsUrl));
  expect(playlist.status).toBe(200);
  const segments = (await playlist.text()).split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  expect(segments.length).toBeGreaterThanOrEqual(1);
  let text = '';
  for (const s of segments) {
    const u = new URL(s);
    expect(u.pathname).toMatch(new RegExp(`/videos/subsowner/${jobId}/hls/[\\w-]+/[\\w-]+\\.vtt$`));
    expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    const body = await fetch(u);
    expect(body.status).toBe(200);
    const vtt = await body.text();
    expect(vtt).toMatch(/^WEBVTT/);
    expect(vtt).toContain('X-TIMESTAMP-MAP=');
    text += vtt;
  }
  expect(text.replace(/\s+/g, ' ')).toContain('Rivers carry water to the sea.');
});
