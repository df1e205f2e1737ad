import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import request from 'supertest';
import Redis from 'ioredis';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { loadConfig } from '@vidgen/config';
import { probe, resolveFfmpegPath, resolveFfprobePath } from '@vidgen/ffmpeg';
import { VideoMetadataManager, encodeVersionCursor, factsFromProbe, videoIdForJob, type OutputRecord } from '@vidgen/metadata';
import { createLogger } from '@vidgen/observability';
import { JobStore } from '@vidgen/queue';
import { createS3Client } from '@vidgen/storage';
import { createTestEnv, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

const run = promisify(execFile);
const KEY = 'meta-owner-key-1';
const OTHER = 'meta-other-key-2';
const auth = (key = KEY) => ({ Authorization: `Bearer ${key}` });

let env: TestEnv;
let api: RunningApi;
let redis: Redis;
let dir: string;
// Starts at real time (the store checks URL expiry); the test moves it to cross signing windows.
let clock = Date.now();
const completedJob = '0c0c0c0c-0000-4000-8000-000000000001';
/** METADATA_MAX_VERSIONS of this suite: small, so the cap is reached within the test. */
const MAX_VERSIONS = 6;
const queuedJob = '0c0c0c0c-0000-4000-8000-000000000002';

/** What the worker does at finalization: a real rendered file in the bucket, the job completed, metadata version 1. */
async function simulateWorker(): Promise<Buffer> {
  const file = path.join(dir, 'video.mp4');
  await run(resolveFfmpegPath(), ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=s=854x480:r=15:d=2', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', file]);
  const vtt = 'WEBVTT\n\n00:00.000 --> 00:02.000\nHello\n';
  const bytes = await readFile(file);
  const s3 = createS3Client(loadConfig(env.env).s3);
  const videoKey = `videos/meta-owner/${completedJob}/video.mp4`;
  const vttKey = `videos/meta-owner/${completedJob}/subtitles.vtt`;
  await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: videoKey, Body: bytes, ContentType: 'video/mp4' }));
  await s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: vttKey, Body: vtt, ContentType: 'text/vtt' }));
  s3.destroy();
  const store = new JobStore(redis, env.prefix);
  const configuration = { topic: 'Tides <b>& moons</b>', quality: 'low' as const };
  await store.create({ job_id: completedJob, owner: 'meta-owner', correlation_id: 'c1', configuration, created_at: new Date().toISOString() });
  await store.create({ job_id: queuedJob, owner: 'meta-owner', correlation_id: 'c2', configuration, created_at: new Date().toISOString() });
  await store.markProcessing(completedJob, 1);
  // The result and the metadata hold the same output records (issue 16).
  const outputs: OutputRecord[] = [
    { kind: 'video', key: videoKey, size_bytes: bytes.length, content_type: 'video/mp4', width: 854, height: 480 },
    { kind: 'subtitles', key: vttKey, size_bytes: Buffer.byteLength(vtt), content_type: 'text/vtt' },
  ];
  await store.complete(completedJob, { outputs, duration_seconds: 2 });
  const facts = factsFromProbe(await probe(file, { ffprobePath: resolveFfprobePath() }));
  await new VideoMetadataManager(redis, env.prefix).createForJob({
    jobId: completedJob,
    owner: 'meta-owner',
    topic: configuration.topic,
    facts,
    renditions: [{ label: '480p', format: 'mp4', key: videoKey, width: 854, height: 480, fps: 15, bit_rate: facts.bit_rate, size_bytes: bytes.length, duration_seconds: facts.duration_seconds, video_codec: 'h264', audio_codec: 'aac' }],
    outputs,
  });
  return bytes;
}

let videoBytes: Buffer;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `meta-owner:${KEY},other:${OTHER}`, SIGNED_URL_TTL_SECONDS: '3600', METADATA_MAX_VERSIONS: String(MAX_VERSIONS) });
  redis = new Redis(env.env.REDIS_URL!);
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-meta-'));
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }), { now: () => clock });
  videoBytes = await simulateWorker();
});

afterAll(async () => {
  await api?.stop();
  redis?.disconnect();
  await rm(dir, { recursive: true, force: true });
  await env?.cleanup();
});

const metaPath = (id = completedJob) => `/api/v1/videos/jobs/${id}/metadata`;

describe('GET metadata', () => {
  it('answers the documented shape; the facts match ffprobe on the downloaded file; every URL downloads', async () => {
    const res = await request(api.server).get(metaPath()).set(auth());
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toMatch(/^private, max-age=\d+$/);
    expect(Number(/max-age=(\d+)/.exec(String(res.headers["cache-control"]))![1])).toBeLessThanOrEqual(1800);
    const m = res.body;
    expect(m).toMatchObject({ job_id: completedJob, version: 1, title: 'Tides <b>& moons</b>', description: '', tags: [], width: 854, height: 480, fps: 15, video_codec: 'h264', audio_codec: 'aac', format: 'mp4' });
    for (const k of ['video_id', 'duration_seconds', 'size_bytes', 'renditions', 'urls', 'thumbnails', 'poster', 'storyboard', 'streaming', 'subtitles', 'created_at', 'updated_at']) expect(m).toHaveProperty(k);
    expect(m.streaming).toEqual({ hls_url: null, protocols: ['progressive'] });

    const video = await fetch(m.urls.video);
    expect(video.status).toBe(200);
    const downloaded = Buffer.from(await video.arrayBuffer());
    expect(downloaded.equals(videoBytes)).toBe(true);
    const file = path.join(dir, 'downloaded.mp4');
    await writeFile(file, downloaded);
    const independent = await probe(file, { ffprobePath: resolveFfprobePath() });
    expect(m.duration_seconds).toBe(independent.duration_seconds);
    expect(m.size_bytes).toBe(downloaded.length);
    expect([m.width, m.height, m.fps, m.video_codec, m.audio_codec]).toEqual([independent.video!.width, independent.video!.height, independent.video!.fps, independent.video!.codec, independent.audio!.codec]);

    const download = await fetch(m.urls.download);
    expect(download.status).toBe(200);
    expect(new URL(m.urls.download).searchParams.get('response-content-disposition')).toBe('attachment; filename="Tides-b-moonsb.mp4"');
    expect((await fetch(m.renditions[0].url)).status).toBe(200);
    const subs = await fetch(m.subtitles[0].url);
    expect(await subs.text()).toContain('WEBVTT');
    expect(Date.parse(m.urls.expires_at)).toBeGreaterThan(clock);
  });

  it('answers 304 for the current ETag and a new ETag once the URL window moves', async () => {
    const first = await request(api.server).get(metaPath()).set(auth());
    const etag = first.headers.etag as string;
    const again = await request(api.server).get(metaPath()).set(auth()).set('If-None-Match', etag);
    expect(again.status).toBe(304);
    const sameWindow = await request(api.server).get(metaPath()).set(auth());
    expect(sameWindow.body.urls.video).toBe(first.body.urls.video);
    clock += 1800 * 1000; // the next signing window
    const moved = await request(api.server).get(metaPath()).set(auth()).set('If-None-Match', etag);
    expect(moved.status).toBe(200);
    expect(moved.headers.etag).not.toBe(etag);
    expect(moved.body.urls.video).not.toBe(first.body.urls.video);
  });

  it('409 for a job that has not completed, 404 for unknown or foreign jobs', async () => {
    const queued = await request(api.server).get(metaPath(queuedJob)).set(auth());
    expect(queued.status).toBe(409);
    expect(queued.body.error).toMatchObject({ code: 'JOB_NOT_COMPLETED', category: 'conflict', details: { status: 'queued' } });
    expect((await request(api.server).get(metaPath()).set(auth(OTHER))).status).toBe(404);
    expect((await request(api.server).get(metaPath('0c0c0c0c-0000-4000-8000-00000000dead')).set(auth())).status).toBe(404);
  });
});

describe('PATCH metadata and versions', () => {
  it('needs If-Match (428), refuses a stale one (412), and lets exactly one of two concurrent edits win', async () => {
    const current = await request(api.server).get(metaPath()).set(auth());
    const etag = current.headers.etag as string;
    expect((await request(api.server).patch(metaPath()).set(auth()).send({ title: 'x' })).status).toBe(428);
    const [a, b] = await Promise.all([
      request(api.server).patch(metaPath()).set(auth()).set('If-Match', etag).send({ title: 'Edit A' }),
      request(api.server).patch(metaPath()).set(auth()).set('If-Match', etag).send({ title: 'Edit B', tags: ['b'] }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const winner = a.status === 200 ? a : b;
    expect(winner.body.version).toBe(2);
    expect(winner.headers.etag).not.toBe(etag);
    const loser = a.status === 200 ? b : a;
    expect(loser.body.error).toMatchObject({ code: 'METADATA_VERSION_CONFLICT', details: { current_version: 2 } });
    expect((await request(api.server).patch(metaPath()).set(auth()).set('If-Match', etag).send({ title: 'late' })).status).toBe(412);

    const next = await request(api.server).patch(metaPath()).set(auth()).set('If-Match', winner.headers.etag as string).send({ description: '<img src=x onerror=alert(1)>\nline two', tags: ['sea', 'moon'] });
    expect(next.status).toBe(200);
    expect(next.headers['content-type']).toMatch(/^application\/json/);
    expect(next.body).toMatchObject({ version: 3, description: '<img src=x onerror=alert(1)>\nline two', tags: ['sea', 'moon'] });

    const versions = await request(api.server).get(`${metaPath()}/versions`).set(auth());
    expect(versions.status).toBe(200);
    expect(versions.body.versions.map((v: { version: number; change: string }) => [v.version, v.change])).toEqual([
      [3, 'edited'],
      [2, 'edited'],
      [1, 'created'],
    ]);
    expect(versions.body.versions[2].title).toBe('Tides <b>& moons</b>');
    expect(versions.body.next_cursor).toBeNull();
  });

  it('rejects hostile input with 400 and changes nothing', async () => {
    const current = await request(api.server).get(metaPath()).set(auth());
    for (const body of [{ title: 'a\u0007b' }, { title: 'x'.repeat(1_000_000) }, { title: 42 }, { tags: 'sea' }, { owner: 'mallory' }, {}]) {
      const res = await request(api.server).patch(metaPath()).set(auth()).set('If-Match', current.headers.etag as string).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
    }
    expect((await request(api.server).get(metaPath()).set(auth())).body.version).toBe(current.body.version);
  });

  it('redirects /download to a signed attachment URL', async () => {
    const res = await request(api.server).get(`/api/v1/videos/jobs/${completedJob}/download`).set(auth());
    expect(res.status).toBe(302);
    const location = new URL(res.headers.location!);
    expect(location.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(location.searchParams.get('response-content-disposition')).toMatch(/^attachment; filename=".+\.mp4"$/);
    expect((await fetch(location)).status).toBe(200);
  });
});

type VersionsBody = { versions: Array<{ version: number; change: string; title: string }>; next_cursor: string | null };
const versionsPath = (query = '') => `${metaPath()}/versions${query}`;

/** Every version, newest first, a page of `limit` at a time; `between` runs after the first page. */
async function walkVersions(limit: number, between?: () => Promise<void>): Promise<{ versions: number[]; pages: number }> {
  const seen: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await request(api.server)
      .get(versionsPath(`?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`))
      .set(auth());
    expect(res.status).toBe(200);
    const body = res.body as VersionsBody;
    expect(body.versions.length).toBeLessThanOrEqual(limit);
    seen.push(...body.versions.map((v) => v.version));
    cursor = body.next_cursor;
    pages++;
    if (pages === 1 && between) await between();
  } while (cursor !== null);
  return { versions: seen, pages };
}

async function patchCurrent(body: Record<string, unknown>) {
  const current = await request(api.server).get(metaPath()).set(auth());
  return request(api.server).patch(metaPath()).set(auth()).set('If-Match', current.headers.etag as string).send(body);
}

describe('version pages and the version cap', () => {
  it('pages versions newest first; a walk returns each version once, even with an edit between pages', async () => {
    const start = (await request(api.server).get(metaPath()).set(auth())).body.version as number;
    expect(start).toBe(3);
    // An edit after the first page is on the next walk's first page, not on this walk's later ones.
    const walk = await walkVersions(2, async () => {
      expect((await patchCurrent({ title: 'Edit four' })).status).toBe(200);
    });
    expect(walk.versions).toEqual([3, 2, 1]);
    expect(walk.pages).toBe(2);
    expect((await walkVersions(1)).versions).toEqual([4, 3, 2, 1]);
    const whole = await request(api.server).get(versionsPath('?limit=100')).set(auth());
    expect(whole.body.versions.map((v: { version: number }) => v.version)).toEqual([4, 3, 2, 1]);
    expect(whole.body.next_cursor).toBeNull();
  });

  it('refuses the edit beyond METADATA_MAX_VERSIONS with 409 METADATA_VERSION_LIMIT; racing edits at the edge: one wins', async () => {
    expect((await patchCurrent({ title: 'Edit five' })).status).toBe(200);
    // Version 6 is the last one allowed: of three concurrent edits on version 5, one wins; the others find the cap.
    const etag = (await request(api.server).get(metaPath()).set(auth())).headers.etag as string;
    const racing = await Promise.all(['A', 'B', 'C'].map((t) => request(api.server).patch(metaPath()).set(auth()).set('If-Match', etag).send({ title: `Race ${t}` })));
    expect(racing.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    expect(racing.find((r) => r.status === 200)!.body.version).toBe(MAX_VERSIONS);

    const refused = await patchCurrent({ title: 'One too many' });
    expect(refused.status).toBe(409);
    expect(refused.headers['x-correlation-id']).toBeTruthy();
    expect(refused.body.error).toEqual({
      code: 'METADATA_VERSION_LIMIT',
      category: 'conflict',
      message: expect.any(String),
      suggested_action: expect.any(String),
      retryable: false,
      correlation_id: refused.headers['x-correlation-id'],
      docs: 'docs/troubleshooting.md#metadata_version_limit',
      details: { current_version: MAX_VERSIONS, max_versions: MAX_VERSIONS },
    });
    for (const loser of racing.filter((r) => r.status === 409)) expect(loser.body.error).toMatchObject({ code: 'METADATA_VERSION_LIMIT', details: { current_version: MAX_VERSIONS } });
    // A stale If-Match at the cap is told about the cap too (no edit could succeed), not sent to read again.
    const stale = await request(api.server).patch(metaPath()).set(auth()).set('If-Match', etag).send({ title: 'stale' });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('METADATA_VERSION_LIMIT');

    // Nothing was written past the cap, and every version stays readable.
    expect((await request(api.server).get(metaPath()).set(auth())).body.version).toBe(MAX_VERSIONS);
    expect(await redis.hlen(`${env.prefix}:video:{${videoIdForJob(completedJob)}}:versions`)).toBe(MAX_VERSIONS);
    const walk = await walkVersions(4);
    expect(walk).toEqual({ versions: [6, 5, 4, 3, 2, 1], pages: 2 });
    const oldest = await request(api.server).get(versionsPath('?limit=2&cursor=' + encodeVersionCursor({ videoId: videoIdForJob(completedJob), version: 3 }))).set(auth());
    expect(oldest.body.versions.map((v: { version: number; change: string; title: string }) => [v.version, v.change, v.title])).toEqual([
      [2, 'edited', expect.stringMatching(/^Edit [AB]$/)],
      [1, 'created', 'Tides <b>& moons</b>'],
    ]);
    expect(oldest.body.next_cursor).toBeNull();
  });

  it('answers 400 VALIDATION_FAILED for a bad limit or cursor, and 404 for a foreign job', async () => {
    const otherVideosCursor = encodeVersionCursor({ videoId: videoIdForJob(queuedJob), version: 3 });
    const forged = Buffer.from(JSON.stringify([videoIdForJob(completedJob), 'three'])).toString('base64url');
    for (const query of ['?limit=0', '?limit=101', '?limit=abc', '?limit=1.5', '?limit=', '?limit=1&limit=2', '?cursor=', '?cursor=not%20a%20cursor', `?cursor=${'A'.repeat(401)}`, `?cursor=${otherVideosCursor}`, `?cursor=${forged}`, '?cursor=a&cursor=b', '?page=2']) {
      const res = await request(api.server).get(versionsPath(query)).set(auth());
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', category: 'validation', retryable: false, docs: 'docs/troubleshooting.md#validation_failed' });
      expect(Array.isArray(res.body.error.details) && res.body.error.details.length > 0).toBe(true);
    }
    expect((await request(api.server).get(versionsPath('?limit=100')).set(auth())).status).toBe(200);
    expect((await request(api.server).get(versionsPath()).set(auth(OTHER))).status).toBe(404);
  });
});
