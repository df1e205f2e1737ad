import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startWorkerProcess, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import type { Page } from 'playwright-core';
import { startApi, type RunningApi } from '../src/app';
import { launchChromium, serveStatic, type Chromium, type StaticSite } from '@vidgen/testing/browser';

/**
 * The browser tier: a real Chromium on a page served from another origin than
 * the API uses every output the way a web client does: it submits a job and
 * follows its EventSource to the end, plays the MP4 with its subtitles track,
 * plays the HLS through hls.js (both rungs, a switch and a seek) and shows a
 * storyboard thumbnail. One short medium job (two rungs: 480p and 720p) is
 * rendered once for the whole file.
 */

const KEY = 'browser-owner-key-aaaa';
const started = Date.now();

/** The page: plain JavaScript (no bundler), hls.js from its npm package, served on its own origin. */
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>vidgen player</title><script src="/hls.js"></script></head><body><script>
const until = (probe, ms, what) => new Promise((ok, ko) => {
  const t0 = Date.now();
  const tick = () => { if (probe()) return ok(); if (Date.now() - t0 > ms) return ko(new Error('timed out waiting for ' + what)); setTimeout(tick, 50); };
  tick();
});
window.sse = { opens: 0, errors: 0, events: [], terminalAt: null, closedAt: null };
window.submit = async (apiBase, key, body) => {
  const res = await fetch(apiBase + '/api/v1/videos/generate', { method: 'POST', headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json', 'Idempotency-Key': 'browser-' + Math.random() }, body: JSON.stringify(body) });
  return { status: res.status, location: res.headers.get('location'), correlationId: res.headers.get('x-correlation-id'), body: await res.json() };
};
window.getJob = async (url, key) => {
  const res = await fetch(url, { headers: { Authorization: 'Bearer ' + key } });
  return { status: res.status, body: await res.json() };
};
window.followEvents = (url) => {
  const es = new EventSource(url);
  window.es = es;
  es.onopen = () => { sse.opens++; };
  es.onmessage = (e) => {
    const d = JSON.parse(e.data);
    sse.events.push({ id: e.lastEventId, status: d.status, percentage: d.progress.percentage });
    if (['completed', 'failed', 'cancelled'].includes(d.status) && sse.terminalAt === null) sse.terminalAt = Date.now();
  };
  es.onerror = () => { sse.errors++; if (es.readyState === EventSource.CLOSED) sse.closedAt = Date.now(); };
};
window.playMp4 = async (videoUrl, subtitlesUrl) => {
  const v = document.createElement('video');
  v.crossOrigin = 'anonymous'; v.muted = true; v.preload = 'auto';
  const t = document.createElement('track');
  t.kind = 'subtitles'; t.srclang = 'en'; t.label = 'English'; t.default = true; t.src = subtitlesUrl;
  v.appendChild(t); v.src = videoUrl; document.body.appendChild(v);
  t.track.mode = 'hidden';
  await until(() => t.readyState === 2 || t.readyState === 3, 20000, 'the subtitles track');
  if (t.readyState === 3) throw new Error('the subtitles track failed to load');
  await v.play();
  await until(() => v.currentTime > 1, 20000, 'the MP4 to play');
  const cues = t.track.cues;
  return { cues: cues.length, firstCue: cues[0] && cues[0].text, currentTime: v.currentTime, duration: v.duration, width: v.videoWidth, height: v.videoHeight };
};
window.playHls = async (hlsUrl) => {
  if (!Hls.isSupported()) throw new Error('hls.js: no MediaSource');
  const v = document.createElement('video');
  v.muted = true; document.body.appendChild(v);
  // hls.js over MediaSource, never the video element's own HLS support: the src is never the playlist.
  const hls = new Hls({ startLevel: 0, capLevelToPlayerSize: false, enableWorker: true });
  const frags = {}; const errors = []; const switched = [];
  hls.on(Hls.Events.FRAG_LOADED, (_, d) => { frags[d.frag.level] = (frags[d.frag.level] || 0) + 1; });
  hls.on(Hls.Events.LEVEL_SWITCHED, (_, d) => switched.push(d.level));
  hls.on(Hls.Events.ERROR, (_, d) => errors.push(d.details + (d.fatal ? ' (fatal)' : '')));
  const parsed = new Promise((ok) => hls.once(Hls.Events.MANIFEST_PARSED, ok));
  hls.loadSource(hlsUrl);
  hls.attachMedia(v);
  await parsed;
  const levels = hls.levels.map((l) => l.height);
  hls.currentLevel = 0;
  await v.play();
  await until(() => (frags[0] || 0) >= 1 && v.currentTime > 0.3, 20000, 'rung 0 to play');
  const beforeSwitch = v.currentTime;
  // An immediate switch: the buffer is flushed and the next fragments come from the other rung.
  hls.currentLevel = 1;
  await until(() => (frags[1] || 0) >= 1 && v.currentTime > beforeSwitch + 0.3, 20000, 'rung 1 to play');
  const afterSwitch = v.currentTime;
  const target = Math.max(afterSwitch + 0.5, v.duration - 1.5);
  const seeked = new Promise((ok) => v.addEventListener('seeked', ok, { once: true }));
  v.currentTime = target;
  await seeked;
  await until(() => v.currentTime > target + 0.3 || v.ended, 20000, 'playback after the seek');
  const result = { levels, frags, switched, errors, beforeSwitch, afterSwitch, seekTarget: target, currentTime: v.currentTime, duration: v.duration, src: v.src, usedHlsJs: v.src.startsWith('blob:') };
  hls.destroy();
  return result;
};
window.storyboard = async (url) => {
  const res = await fetch(url);
  const text = await res.text();
  const cues = text.split('\\n').filter((l) => l.includes('#xywh='));
  const [imageUrl, fragment] = cues[0].split('#');
  const [x, y, w, h] = fragment.slice('xywh='.length).split(',').map(Number);
  const img = new Image();
  img.crossOrigin = 'anonymous';
  await new Promise((ok, ko) => { img.onload = ok; img.onerror = () => ko(new Error('the sprite did not load: ' + imageUrl)); img.src = imageUrl; });
  // Reading the pixels back needs the sprite's CORS answer (a tainted canvas throws).
  const c = document.createElement('canvas'); c.width = w; c.height = h;
  const g = c.getContext('2d');
  g.drawImage(img, x, y, w, h, 0, 0, w, h);
  const px = g.getImageData(0, 0, w, h).data;
  let sum = 0; for (let i = 0; i < px.length; i += 4) sum += px[i] + px[i + 1] + px[i + 2];
  return { status: res.status, contentType: res.headers.get('content-type'), cues: cues.length, imageUrl, tile: [x, y, w, h], width: img.naturalWidth, height: img.naturalHeight, meanLevel: sum / (w * h * 3) };
};
</script></body></html>`;

interface StreamRequest {
  at: number;
  lastEventId: string | null;
  status?: number;
  endedAt?: number;
}

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;
let site: StaticSite;
let browser: Chromium;
let page: Page;
let apiBase: string;
let jobId: string;
let job: { result: Record<string, string | null> };
const streamRequests: StreamRequest[] = [];
let followedFor: { terminalAt: number; closedAt: number | null; opens: number; errors: number; events: Array<{ id: string; status: string }> };
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `browser:${KEY}`, SIGNING_SECRET: 'b'.repeat(40), HLS_SEGMENT_SECONDS: '2', THUMBNAIL_COUNT: '2' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', level: 'error', stream: new PassThrough() }));
  apiBase = `http://127.0.0.1:${api.port}`;
  // What the server saw of the event streams: every request, its Last-Event-ID and its answer.
  api.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' || !/\/events(\?|$)/.test(req.url ?? '')) return;
    const entry: StreamRequest = { at: Date.now(), lastEventId: (req.headers['last-event-id'] as string | undefined) ?? null };
    streamRequests.push(entry);
    res.on('close', () => {
      entry.status = res.statusCode;
      entry.endedAt = Date.now();
    });
  });
  worker = await startWorkerProcess(env.env);
  site = await serveStatic({
    '/': { type: 'text/html; charset=utf-8', body: PAGE },
    '/hls.js': { type: 'text/javascript', file: require.resolve('hls.js/dist/hls.min.js') },
  });
  browser = await launchChromium();
  page = await browser.context.newPage();
  await page.goto(`${site.origin}/`);

  // The page submits (a preflighted POST with Authorization, Content-Type and Idempotency-Key) and follows the job.
  const configuration = { topic: 'Browser playback', quality: 'medium', subtitles: true, scenes: [{ text: 'Tides rise.', duration_seconds: 2 }, { text: 'Tides fall.', duration_seconds: 2 }] };
  const submitted = (await page.evaluate(`submit(${JSON.stringify(apiBase)}, ${JSON.stringify(KEY)}, ${JSON.stringify({ configuration })})`)) as {
    status: number;
    location: string | null;
    correlationId: string | null;
    body: { job_id: string; links: { self: string } };
  };
  expect(submitted).toMatchObject({ status: 202, location: `/api/v1/videos/jobs/${submitted.body.job_id}` });
  expect(submitted.correlationId).toBeTruthy();
  jobId = submitted.body.job_id;
  expect(submitted.body.links.self).toBe(`${apiBase}/api/v1/videos/jobs/${jobId}`);
  const first = (await page.evaluate(`getJob(${JSON.stringify(submitted.body.links.self)}, ${JSON.stringify(KEY)})`)) as { status: number; body: { links: { events: string } } };
  expect(first.status).toBe(200);
  await page.evaluate(`followEvents(${JSON.stringify(first.body.links.events)})`);

  const renderStarted = Date.now();
  await page.waitForFunction('sse.terminalAt !== null', undefined, { timeout: 150000, polling: 100 });
  figures.renderSeconds = (Date.now() - renderStarted) / 1000;
  // EventSource reconnects 3 s after a stream ends; the 204 must stop it, so nothing may come after.
  await page.waitForFunction('sse.closedAt !== null', undefined, { timeout: 10000, polling: 100 });
  await new Promise((r) => setTimeout(r, 4000));
  followedFor = (await page.evaluate('({ ...sse, readyState: es.readyState })')) as typeof followedFor;
  job = (await page.evaluate(`getJob(${JSON.stringify(submitted.body.links.self)}, ${JSON.stringify(KEY)})`).then((r) => (r as { body: typeof job }).body)) as typeof job;
}, 200000);

afterAll(async () => {
  figures.totalSeconds = (Date.now() - started) / 1000;
  // The measured figures of this run, for the record (report and docs).
  process.stdout.write(`browser test figures: ${JSON.stringify(figures)}\n`);
  await browser?.close();
  await site?.close();
  await api?.stop();
  await worker?.stop();
  await env?.cleanup();
});

describe('a web page on another origin', () => {
  it('follows the job with EventSource to its end: after the terminal event one more connection at most, answered 204, and none after it', () => {
    expect(followedFor.events.at(-1)?.status).toBe('completed');
    expect((followedFor as unknown as { readyState: number }).readyState).toBe(2); // CLOSED
    const terminalId = followedFor.events.at(-1)!.id;
    // Connections made after the page had the terminal event (EventSource waits 3 s before reconnecting, so the
    // stream that carried it is well before): at most one, and it is told 204.
    const after = streamRequests.filter((r) => r.at > followedFor.terminalAt);
    expect(streamRequests.length - after.length).toBeGreaterThanOrEqual(1);
    expect(after.length).toBeLessThanOrEqual(1);
    for (const r of after) expect(r).toMatchObject({ status: 204, lastEventId: terminalId });
    figures.eventStream = { requests: streamRequests.map((r) => ({ status: r.status, lastEventId: r.lastEventId })), afterTerminal: after.length, events: followedFor.events.length, opens: followedFor.opens };
  });

  it('gets absolute links only: hls_url like video_url, and the storyboard through the API', () => {
    const r = job.result;
    for (const name of ['video_url', 'download_url', 'hls_url', 'subtitles_url', 'poster_url', 'storyboard_url']) expect(r[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(r.hls_url!.startsWith(`${apiBase}/api/v1/videos/jobs/${jobId}/hls/master.m3u8?token=`)).toBe(true);
    expect(r.storyboard_url!.startsWith(`${apiBase}/api/v1/videos/jobs/${jobId}/storyboard.vtt?token=`)).toBe(true);
  });

  it('plays the MP4 with a subtitles track that has cues', async () => {
    const mp4 = (await page.evaluate(`playMp4(${JSON.stringify(job.result.video_url)}, ${JSON.stringify(job.result.subtitles_url)})`)) as { cues: number; firstCue: string; currentTime: number; width: number };
    expect(mp4.cues).toBeGreaterThan(0);
    expect(mp4.firstCue).toContain('Tides');
    expect(mp4.currentTime).toBeGreaterThan(1);
    expect(mp4.width).toBe(1280);
    figures.mp4 = mp4;
  }, 60000);

  it('plays the HLS through hls.js: fragments from both rungs, a rung switch, currentTime advancing and a seek', async () => {
    const hls = (await page.evaluate(`playHls(${JSON.stringify(job.result.hls_url)})`)) as {
      levels: number[];
      frags: Record<string, number>;
      errors: string[];
      afterSwitch: number;
      beforeSwitch: number;
      seekTarget: number;
      currentTime: number;
      usedHlsJs: boolean;
    };
    // The 480p rung of a 16:9 video is 864x486: the exact aspect with square pixels (rungSize).
    expect(hls.levels).toEqual([486, 720]);
    expect(hls.frags['0']).toBeGreaterThanOrEqual(1);
    expect(hls.frags['1']).toBeGreaterThanOrEqual(1);
    expect(hls.afterSwitch).toBeGreaterThan(hls.beforeSwitch);
    expect(hls.currentTime).toBeGreaterThan(hls.seekTarget);
    expect(hls.usedHlsJs).toBe(true);
    expect(hls.errors.filter((e) => e.includes('fatal'))).toEqual([]);
    figures.hls = hls;
  }, 60000);

  it('shows a storyboard thumbnail: the VTT from the API names a signed, absolute sprite URL the page can draw', async () => {
    const sb = (await page.evaluate(`storyboard(${JSON.stringify(job.result.storyboard_url)})`)) as { status: number; contentType: string; cues: number; imageUrl: string; tile: number[]; width: number; height: number; meanLevel: number };
    expect(sb.status).toBe(200);
    expect(sb.contentType).toContain('text/vtt');
    expect(sb.cues).toBeGreaterThanOrEqual(4);
    expect(new URL(sb.imageUrl).searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(new URL(sb.imageUrl).pathname).toContain(`/videos/browser/${jobId}/sprite.jpg`);
    expect(sb.width).toBeGreaterThanOrEqual(sb.tile[0]! + sb.tile[2]!);
    expect(sb.meanLevel).toBeGreaterThan(0);
    figures.storyboard = sb;
  }, 30000);

});
