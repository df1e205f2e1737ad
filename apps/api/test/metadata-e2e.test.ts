import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { probe, resolveFfprobePath } from '@vidgen/ffmpeg';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

const KEY = 'e2e-meta-key-1';
const auth = { Authorization: `Bearer ${KEY}` };
let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;
let dir: string;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `e2e:${KEY}`, THUMBNAIL_COUNT: '3' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-meta-e2e-'));
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  worker = await startWorkerProcess(env.env);
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await rm(dir, { recursive: true, force: true });
  await env?.cleanup();
});

it('describes a real rendered job: facts match ffprobe on the downloaded file and every URL works as given', async () => {
  const submitted = await request(api.server)
    .post('/api/v1/videos/generate')
    .set(auth)
    .send({ configuration: { topic: 'Metadata end to end', quality: 'low', scenes: [{ title: 'One', text: 'First.', duration_seconds: 1 }, { text: 'Second.', duration_seconds: 1 }] } });
  expect(submitted.status).toBe(202);
  const jobId = submitted.body.job_id as string;
  const job = await waitFor(
    async () => (await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth)).body,
    (b) => ['completed', 'failed'].includes(b.status),
    { timeoutMs: 90000, what: 'job end' },
  );
  expect(job.status).toBe('completed');

  const res = await request(api.server).get(`/api/v1/videos/jobs/${jobId}/metadata`).set(auth);
  expect(res.status).toBe(200);
  const m = res.body;
  expect(m).toMatchObject({ job_id: jobId, version: 1, title: 'Metadata end to end', width: 854, height: 480, fps: 15, video_codec: 'h264', audio_codec: 'aac', format: 'mp4' });
  expect(m.renditions.map((r: { label: string; format: string }) => `${r.format}:${r.label}`)).toEqual(['mp4:480p', 'hls:480p']);
  expect(m.thumbnails).toHaveLength(3);
  expect(m.streaming.protocols).toEqual(['progressive', 'hls']);

  // The facts equal an independent ffprobe of the file the URL serves.
  const video = Buffer.from(await (await fetch(m.urls.video)).arrayBuffer());
  const file = path.join(dir, 'v.mp4');
  await writeFile(file, video);
  const independent = await probe(file, { ffprobePath: resolveFfprobePath() });
  expect([m.duration_seconds, m.size_bytes, m.width, m.height, m.fps, m.video_codec, m.audio_codec]).toEqual([
    independent.duration_seconds,
    video.length,
    independent.video!.width,
    independent.video!.height,
    independent.video!.fps,
    independent.video!.codec,
    independent.audio!.codec,
  ]);

  // Every URL in the answer downloads as given.
  const urls: string[] = [
    m.urls.video,
    m.urls.download,
    m.poster.url,
    m.storyboard.vtt_url,
    m.storyboard.sprite_url,
    ...m.thumbnails.map((t: { url: string }) => t.url),
    ...m.subtitles.map((s: { url: string }) => s.url),
    ...m.renditions.map((r: { url: string }) => r.url),
  ];
  for (const url of urls) expect({ url, status: (await fetch(url)).status }).toEqual({ url, status: 200 });
  expect(m.streaming.hls_url.startsWith(`http://127.0.0.1:${api.port}/api/v1/videos/jobs/`)).toBe(true);
  const master = await fetch(m.streaming.hls_url);
  expect(master.status).toBe(200);
  expect(await master.text()).toContain('#EXTM3U');
  // The storyboard comes from the API, its sprite references signed and absolute.
  expect(m.storyboard.vtt_url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${api.port}/api/v1/videos/jobs/[\\w-]+/storyboard\\.vtt\\?token=`));
  const vtt = await (await fetch(m.storyboard.vtt_url)).text();
  expect(vtt).toMatch(/\nhttp:\/\/127\.0\.0\.1:\d+\/.*sprite\.jpg\?.*X-Amz-Signature=[0-9a-f]{64}.*#xywh=/);
  const poster = await fetch(m.poster.url);
  expect(poster.headers.get('content-type')).toBe('image/jpeg');
  expect(m.poster).toMatchObject({ width: 854, height: 480 });
});
