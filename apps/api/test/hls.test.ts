import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@vidgen/config';
import { probe, resolveFfprobePath } from '@vidgen/ffmpeg';
import { createLogger } from '@vidgen/observability';
import { createS3Client } from '@vidgen/storage';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';
import { signEventToken } from '@vidgen/jobs';

const KEY = 'hls-owner-key-aaaa';
const SECRET = 's'.repeat(40);
const ffprobePath = resolveFfprobePath();

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;
let dir: string;
let job: { job_id: string; result: { hls_url: string; storyboard_url: string; download_url: string; outputs: Array<Record<string, unknown>> } };

const base = () => `http://127.0.0.1:${api.port}`;
/** The URI lines of a playlist. */
const uris = (playlist: string) => playlist.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
const hlsToken = (url: string) => new URL(url, 'http://x').searchParams.get('token')!;
/** The path and query of an absolute link, for supertest. */
const rel = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};
const expiryOf = (token: string) => Number(token.split('.')[1]);

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `hlsowner:${KEY}`, SIGNING_SECRET: SECRET, CORS_ORIGINS: 'https://player.example', THUMBNAIL_COUNT: '3', THUMBNAIL_WIDTH: '160' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', level: 'error' }));
  worker = await startWorkerProcess(env.env);
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-hls-test-'));
  const submitted = await request(api.server)
    .post('/api/v1/videos/generate')
    .set('Authorization', `Bearer ${KEY}`)
    .send({ configuration: { topic: 'Streaming "test"', quality: 'low', subtitles: true, scenes: [{ text: 'One.', duration_seconds: 1 }, { text: 'Two.', duration_seconds: 1 }] } });
  expect(submitted.status).toBe(202);
  const jobId = submitted.body.job_id as string;
  job = await waitFor(
    async () => (await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set('Authorization', `Bearer ${KEY}`)).body,
    (b) => b.status === 'completed' || b.status === 'failed',
    { timeoutMs: 90000, what: 'job end' },
  );
  expect(job).toMatchObject({ status: 'completed' });
});

afterAll(async () => {
  await api?.stop();
  await worker?.stop();
  await rm(dir, { recursive: true, force: true });
  await env?.cleanup();
});

describe('delivery outputs of a finished job', () => {
  it('lists every uploaded object with the stored size and the key layout', async () => {
    const outputs = job.result.outputs;
    const prefix = `videos/hlsowner/${job.job_id}/`;
    expect(outputs.map((o) => [o.kind, String(o.key).slice(prefix.length)])).toEqual([
      ['video', 'video.mp4'],
      ['subtitles', 'subtitles.vtt'],
      ['poster', 'poster.jpg'],
      ['thumbnail', 'thumbnails/thumb-001.jpg'],
      ['thumbnail', 'thumbnails/thumb-002.jpg'],
      ['thumbnail', 'thumbnails/thumb-003.jpg'],
      ['sprite', 'sprite.jpg'],
      ['storyboard', 'storyboard.vtt'],
      ['hls_segment', 'hls/480p/seg-00000.ts'],
      ['hls_playlist', 'hls/480p/index.m3u8'],
      ['hls_playlist', 'hls/480p/iframes.m3u8'],
      ['hls_master', 'hls/master.m3u8'],
    ]);
    expect(outputs.find((o) => o.kind === 'hls_playlist')).toMatchObject({ rendition: '480p', width: 854, height: 480, content_type: 'application/vnd.apple.mpegurl' });
    const s3 = createS3Client(loadConfig(env.env).s3);
    try {
      for (const o of outputs) expect((await s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: String(o.key) }))).ContentLength).toBe(o.size_bytes);
    } finally {
      s3.destroy();
    }
  });

  it('thumbnails have the configured size', async () => {
    const thumbs = job.result.outputs.filter((o) => o.kind === 'thumbnail');
    expect(thumbs.map((t) => [t.width, t.height])).toEqual([
      [160, 90],
      [160, 90],
      [160, 90],
    ]);
    const s3 = createS3Client(loadConfig(env.env).s3);
    try {
      const file = path.join(dir, 'thumb.jpg');
      const body = await s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: String(thumbs[1]!.key) }));
      await writeFile(file, await body.Body!.transformToByteArray());
      expect((await probe(file, { ffprobePath })).video).toMatchObject({ width: 160, height: 90 });
    } finally {
      s3.destroy();
    }
  });

  it('offers a download URL with Content-Disposition: attachment and a safe name', () => {
    expect(new URL(job.result.download_url).searchParams.get('response-content-disposition')).toBe('attachment; filename="Streaming-test.mp4"');
  });
});

describe('HLS through the API', () => {
  it('serves the master and variant playlists with signed segment URLs, and ffprobe plays them', async () => {
    expect(job.result.hls_url.startsWith(`${base()}/api/v1/videos/jobs/${job.job_id}/hls/master.m3u8?token=`)).toBe(true);
    const master = await fetch(job.result.hls_url);
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    const text = await master.text();
    expect(text).toMatch(/^#EXTM3U\n/);
    const variantUri = text.split('\n').find((l) => l && !l.startsWith('#'))!;
    expect(variantUri).toMatch(/^480p\/index\.m3u8\?token=v1\.\d+\.[\w-]+\.[\w-]+$/);

    const variant = await fetch(new URL(variantUri, job.result.hls_url));
    expect(variant.status).toBe(200);
    const segments = uris(await variant.text());
    expect(segments.length).toBeGreaterThanOrEqual(1);
    for (const s of segments) {
      const u = new URL(s);
      expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      expect(u.pathname).toContain(`/videos/hlsowner/${job.job_id}/hls/480p/seg-`);
      expect((await fetch(u)).status).toBe(200);
    }

    const { stdout } = await promisify(execFile)(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', job.result.hls_url]);
    const streams = (JSON.parse(stdout) as { streams: Array<{ codec_name: string; width?: number }> }).streams;
    expect(streams).toEqual(expect.arrayContaining([expect.objectContaining({ codec_name: 'h264', width: 854 }), expect.objectContaining({ codec_name: 'aac' })]));
  });

  it('serves the I-frame playlist the master names, and each signed byte range is one keyframe', async () => {
    const text = await (await fetch(job.result.hls_url)).text();
    const line = text.split('\n').find((l) => l.startsWith('#EXT-X-I-FRAME-STREAM-INF:'))!;
    expect(line).toMatch(/CODECS="avc1\.[0-9a-f]{6}",RESOLUTION=854x480,URI="480p\/iframes\.m3u8\?token=v1\.\d+\.[\w-]+\.[\w-]+"$/);
    const iframes = await fetch(new URL(/URI="([^"]+)"/.exec(line)![1]!, job.result.hls_url));
    expect(iframes.status).toBe(200);
    expect(iframes.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    const body = await iframes.text();
    expect(body).toContain('#EXT-X-I-FRAMES-ONLY');
    const ranges = [...body.matchAll(/#EXT-X-BYTERANGE:(\d+)@(\d+)\n(\S+)/g)].map((m) => ({ length: Number(m[1]), offset: Number(m[2]), url: m[3]! }));
    expect(ranges.length).toBe(uris(body).length);
    expect(ranges.length).toBeGreaterThanOrEqual(1);
    for (const [i, r] of ranges.entries()) {
      expect(new URL(r.url).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
      const res = await fetch(r.url, { headers: { Range: `bytes=${r.offset}-${r.offset + r.length - 1}` } });
      expect(res.status).toBe(206);
      const piece = path.join(dir, `iframe-${i}.ts`);
      await writeFile(piece, Buffer.from(await res.arrayBuffer()));
      const { stdout } = await promisify(execFile)(ffprobePath, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=key_frame,pict_type', '-of', 'csv=p=0', piece]);
      expect(stdout.trim().split('\n')).toEqual(['1,I']);
    }
  });

  it('gives the variant URIs a token minted for this answer, not the incoming one', async () => {
    // A token about to expire opens the master; the variants get a full new lifetime (SIGNED_URL_TTL_SECONDS, 3600 s).
    const now = Math.floor(Date.now() / 1000);
    const soon = signEventToken(SECRET, { jobId: job.job_id, owner: 'hlsowner', expiresAt: now + 20 }, 'hls');
    const res = await request(api.server).get(`/api/v1/videos/jobs/${job.job_id}/hls/master.m3u8?token=${encodeURIComponent(soon)}`);
    expect(res.status).toBe(200);
    const variantToken = hlsToken(uris(res.text)[0]!);
    expect(variantToken).not.toBe(soon);
    expect(expiryOf(variantToken)).toBeGreaterThanOrEqual(now + 3600);
    expect((await request(api.server).get(`/api/v1/videos/jobs/${job.job_id}/hls/480p/index.m3u8?token=${encodeURIComponent(variantToken)}`)).status).toBe(200);
  });

  it('serves the storyboard with absolute, signed sprite URLs', async () => {
    expect(job.result.storyboard_url.startsWith(`${base()}/api/v1/videos/jobs/${job.job_id}/storyboard.vtt?token=`)).toBe(true);
    const res = await fetch(job.result.storyboard_url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/vtt; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    expect(text).toMatch(/^WEBVTT\n/);
    const refs = text.split('\n').filter((l) => l.includes('#xywh='));
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      const [url, fragment] = ref.split('#');
      expect(fragment).toMatch(/^xywh=\d+,\d+,160,90$/);
      const u = new URL(url!);
      expect(u.pathname).toContain(`/videos/hlsowner/${job.job_id}/sprite.jpg`);
      expect(u.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    }
    const sprite = await fetch(refs[0]!.split('#')[0]!);
    expect(sprite.status).toBe(200);
    expect(sprite.headers.get('content-type')).toBe('image/jpeg');
    // The API key works too; no credential at all does not.
    expect((await request(api.server).get(`/api/v1/videos/jobs/${job.job_id}/storyboard.vtt`).set('Authorization', `Bearer ${KEY}`)).status).toBe(200);
    expect((await request(api.server).get(`/api/v1/videos/jobs/${job.job_id}/storyboard.vtt`)).status).toBe(401);
  });

  it('answers browser players with CORS headers and preflights', async () => {
    const res = await request(api.server).get(rel(job.result.hls_url)).set('Origin', 'https://player.example');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://player.example');
    expect(res.headers.vary).toContain('Origin');
    const preflight = await request(api.server).options(`/api/v1/videos/jobs/${job.job_id}/hls/master.m3u8`).set('Origin', 'https://player.example').set('Access-Control-Request-Method', 'GET');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-methods']).toContain('GET');
    const storyboard = await request(api.server).get(rel(job.result.storyboard_url)).set('Origin', 'https://player.example');
    expect(storyboard.headers['access-control-allow-origin']).toBe('https://player.example');
    const other = await request(api.server).get(rel(job.result.hls_url)).set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses expired, tampered and foreign-scope tokens with an error that names the HLS link', async () => {
    const path_ = `/api/v1/videos/jobs/${job.job_id}/hls/master.m3u8`;
    const expired = signEventToken(SECRET, { jobId: job.job_id, owner: 'hlsowner', expiresAt: Math.floor(Date.now() / 1000) - 5 }, 'hls');
    const tampered = hlsToken(job.result.hls_url).replace(/^v1\.\d+/, `v1.${Math.floor(Date.now() / 1000) + 999999}`);
    const eventsScope = signEventToken(SECRET, { jobId: job.job_id, owner: 'hlsowner', expiresAt: Math.floor(Date.now() / 1000) + 600 }, 'events');
    for (const [token, reason] of [
      [expired, 'expired'],
      [tampered, 'signature'],
      [eventsScope, 'signature'],
    ] as const) {
      const res = await request(api.server).get(`${path_}?token=${encodeURIComponent(token)}`);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'HLS_TOKEN_INVALID', details: { reason } });
      expect(res.body.error.message).toContain('result.hls_url');
      expect(res.body.error.suggested_action).toMatch(/Fetch the job again .*result\.hls_url/);
      expect(res.body.error.message).not.toContain('event stream');
    }
    for (const p of [`/api/v1/videos/jobs/${job.job_id}/hls/480p/index.m3u8`, `/api/v1/videos/jobs/${job.job_id}/storyboard.vtt`]) {
      const res = await request(api.server).get(`${p}?token=${encodeURIComponent(expired)}`);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('HLS_TOKEN_INVALID');
    }
    // And the good token works for the variant as well, while an API key still works without a token.
    expect((await request(api.server).get(`/api/v1/videos/jobs/${job.job_id}/hls/480p/index.m3u8?token=${encodeURIComponent(hlsToken(job.result.hls_url))}`)).status).toBe(200);
    expect((await request(api.server).get(path_).set('Authorization', `Bearer ${KEY}`)).status).toBe(200);
  });
});

describe('HLS of a 9:16 medium job through the API', () => {
  it('has a square-pixel 486x864 rung beside the 720x1280 top, aligned, with CODECS and I-frame playlists', async () => {
    const submitted = await request(api.server)
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${KEY}`)
      .send({ configuration: { topic: 'Portrait', quality: 'medium', aspect: '9:16', formats: ['hls'], scenes: [{ text: 'Up.', duration_seconds: 1 }, { text: 'Down.', duration_seconds: 1 }] } });
    expect(submitted.status).toBe(202);
    const jobId = submitted.body.job_id as string;
    const done = await waitFor(
      async () => (await request(api.server).get(`/api/v1/videos/jobs/${jobId}`).set('Authorization', `Bearer ${KEY}`)).body,
      (b) => b.status === 'completed' || b.status === 'failed',
      { timeoutMs: 90000, what: 'portrait job end' },
    );
    expect(done).toMatchObject({ status: 'completed' });
    const master = await (await fetch(done.result.hls_url)).text();
    const inf = master.split('\n').filter((l: string) => l.startsWith('#EXT-X-STREAM-INF:'));
    expect(inf.map((l: string) => /RESOLUTION=(\d+x\d+)/.exec(l)![1])).toEqual(['486x864', '720x1280']);
    expect(inf.every((l: string) => /CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"/.test(l))).toBe(true);
    const iframeUris = [...master.matchAll(/#EXT-X-I-FRAME-STREAM-INF:.*URI="([^"]+)"/g)].map((m) => m[1]!);
    expect(iframeUris.map((u) => u.split('?')[0])).toEqual(['480p/iframes.m3u8', '720p/iframes.m3u8']);
    const firstPts: number[] = [];
    for (const u of iframeUris) {
      const res = await fetch(new URL(u, done.result.hls_url));
      expect(res.status).toBe(200);
      const first = /#EXT-X-BYTERANGE:(\d+)@(\d+)\n(\S+)/.exec(await res.text())!;
      const seg = await fetch(first[3]!);
      const file = path.join(dir, `portrait-${firstPts.length}.ts`);
      await writeFile(file, Buffer.from(await seg.arrayBuffer()));
      const { stdout } = await promisify(execFile)(ffprobePath, ['-v', 'error', '-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'packet=pts_time,flags:stream=sample_aspect_ratio', '-of', 'json', file]);
      const probed = JSON.parse(stdout) as { packets: Array<{ pts_time: string; flags: string }>; streams: Array<{ sample_aspect_ratio?: string }> };
      expect(probed.packets[0]!.flags).toContain('K');
      expect(probed.streams[0]!.sample_aspect_ratio ?? '1:1').toBe('1:1');
      firstPts.push(Number(probed.packets[0]!.pts_time));
    }
    expect(firstPts[0]).toBeCloseTo(firstPts[1]!, 6);
  });
});
