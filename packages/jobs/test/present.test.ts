import { STAGE_NAMES, type JobRecord } from '@vidgen/core';
import { createEventTokens, createJobPresenter, presentProgress, type ObjectUrls, type RunView } from '@vidgen/jobs';

const JOB = '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
const SECRET = 'unit-secret-0123456789abcdef0123456789';
const NOW = 1_800_000_000_000;

const record = (over: Partial<JobRecord>): JobRecord => ({
  job_id: JOB,
  owner: 'o',
  correlation_id: 'c',
  status: 'completed',
  progress: { percentage: 0, stage: 'queued' },
  configuration: { topic: 'A topic', quality: 'low' },
  attempt: 1,
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:01:00.000Z',
  started_at: '2026-01-01T00:00:01.000Z',
  completed_at: '2026-01-01T00:01:00.000Z',
  error: null,
  result: {
    duration_seconds: 4,
    outputs: [
      { kind: 'video', key: 'v/video.mp4', size_bytes: 10, content_type: 'video/mp4' },
      { kind: 'hls_master', key: 'v/hls/master.m3u8', size_bytes: 1, content_type: 'application/vnd.apple.mpegurl' },
      { kind: 'poster', key: 'v/poster.jpg', size_bytes: 1, content_type: 'image/jpeg' },
    ],
  },
  callback_url: 'https://hooks.example/x',
  ...over,
});

const run = (over: Partial<RunView>): RunView => ({
  percentage: 40,
  stage: 'failed',
  stage_percentage: 20,
  stages: STAGE_NAMES.map((name, i) => ({ name, status: i < 3 ? 'done' : i === 3 ? 'failed' : 'pending', started_at: null, completed_at: null, duration_ms: null })),
  eta_seconds: null,
  attempt: 1,
  status: 'failed',
  version: 9,
  ...over,
});

function presenter() {
  const signed: { key: string; downloadName?: string; signingDate?: Date }[] = [];
  // A fake of the presenter's own port: URLs that name what was signed.
  const urls: ObjectUrls = {
    url: async (key, options = {}) => {
      signed.push({ key, ...options });
      return { url: `https://s3.test/${key}?dl=${options.downloadName ?? ''}&at=${options.signingDate?.getTime()}`, expiresAt: new Date(NOW + 3600_000) };
    },
  };
  const tokens = createEventTokens({ secret: SECRET, ttlSeconds: 600, clock: () => NOW });
  const hlsTokens = createEventTokens({ secret: SECRET, ttlSeconds: 3600, clock: () => NOW, scope: 'hls' });
  const p = createJobPresenter({
    urls,
    signedUrlTtlSeconds: 3600,
    publicUrl: (path) => `https://api.example${path}`,
    tokens,
    hlsTokens,
    deliveries: async () => [{ attempt: 1 }],
    now: () => NOW,
  });
  return { p, signed };
}

describe('createJobPresenter', () => {
  it('gives a webhook exactly what GET shows, minus links.events', async () => {
    const { p } = presenter();
    const r = record({});
    const state = presentProgress(r, null);
    const view = await p.job(r, state);
    const hook = await p.webhookJob(r, state);
    const { events, ...links } = view.links;
    expect(events).toMatch(/^https:\/\/api\.example\/api\/v1\/videos\/jobs\/.+\/events\?token=/);
    expect(hook).toEqual({ ...view, links });
    expect(hook.result).toMatchObject({
      download_url: expect.stringContaining('dl=A-topic.mp4'),
      hls_url: expect.stringMatching(/^https:\/\/api\.example\/api\/v1\/videos\/jobs\/.+\/hls\/master\.m3u8\?token=/),
      poster_url: expect.stringContaining('v/poster.jpg'),
      subtitles_url: null,
      storyboard_url: null,
    });
    expect(hook.webhook).toEqual({ callback_url: 'https://hooks.example/x', deliveries: [{ attempt: 1 }] });
  });

  it('signs as of the signing window, so reads inside one window get the same URLs', async () => {
    const { p, signed } = presenter();
    const r = record({});
    await p.job(r, presentProgress(r, null));
    const windowStart = Math.floor(NOW / 1_800_000) * 1_800_000;
    expect(new Set(signed.map((s) => s.signingDate?.getTime()))).toEqual(new Set([windowStart]));
  });

  it('shows a failed job where its run stopped, in GET and in the webhook alike', async () => {
    const { p } = presenter();
    const r = record({ status: 'failed', result: null });
    const state = presentProgress(r, run({}));
    for (const view of [await p.job(r, state), await p.webhookJob(r, state)]) {
      expect(view.progress).toMatchObject({ percentage: 40, stage: 'failed', stage_percentage: 20 });
      expect(view.result).toBeNull();
    }
  });

  it('reads a queued job’s position unless given, null without a reader', async () => {
    const r = record({ status: 'queued', result: null });
    const state = presentProgress(r, null);
    const { p } = presenter();
    expect(await p.job(r, state, 3)).toMatchObject({ queue_position: 3 });
    expect(await p.job(r, state)).toMatchObject({ queue_position: null });
    const withReader = createJobPresenter({
      urls: { url: async () => ({ url: 'u', expiresAt: null }) },
      signedUrlTtlSeconds: 3600,
      publicUrl: (path) => path,
      tokens: createEventTokens({ secret: SECRET, ttlSeconds: 600 }),
      queuePositions: async (ids) => ids.map(() => 7),
    });
    expect(await withReader.job(r, state)).toMatchObject({ queue_position: 7 });
    expect(await withReader.job(record({}), presentProgress(record({}), null))).not.toHaveProperty('queue_position');
  });
});
