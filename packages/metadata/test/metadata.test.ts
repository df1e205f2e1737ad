import Redis from 'ioredis';
import { VidgenError } from '@vidgen/core';
import { parseProbeOutput } from '@vidgen/ffmpeg';
import { deleteKeysWithPrefix } from '@vidgen/queue';
import {
  DEFAULT_MAX_VERSIONS,
  VideoMetadataManager,
  decodeVersionCursor,
  encodeVersionCursor,
  factsFromProbe,
  jobVideoKey,
  metadataEtag,
  urlWindow,
  validateMetadataPatch,
  versionFromEtag,
  videoIdForJob,
  videoKey,
  videoVersionsKey,
  outputsView,
  type OutputRecord,
} from '@vidgen/metadata';

const facts = factsFromProbe(
  parseProbeOutput({
    format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '4.0', size: '1234', bit_rate: '2468' },
    streams: [
      { codec_type: 'video', codec_name: 'h264', width: 854, height: 480, avg_frame_rate: '15/1' },
      { codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '48000' },
    ],
  }),
);
const outputs: OutputRecord[] = [{ kind: 'video', key: 'videos/o/j/video.mp4', size_bytes: 1234, content_type: 'video/mp4', width: 854, height: 480 }];

describe('pure rules', () => {
  it('shows the output records as a player reads them, every fact taken from its record (thumbnail times too)', () => {
    const base = 'videos/o/j';
    const image = (kind: OutputRecord['kind'], name: string, width: number, height: number, extra: Partial<OutputRecord> = {}): OutputRecord => ({ kind, key: `${base}/${name}`, size_bytes: 10, content_type: 'image/jpeg', width, height, ...extra });
    const records: OutputRecord[] = [
      ...outputs,
      { kind: 'subtitles', key: `${base}/subtitles.vtt`, size_bytes: 10, content_type: 'text/vtt' },
      image('poster', 'poster.jpg', 854, 480),
      image('thumbnail', 'thumbnails/thumb-001.jpg', 320, 180, { time_seconds: 0.4 }),
      image('thumbnail', 'thumbnails/thumb-002.jpg', 320, 180, { time_seconds: 1.2 }),
      image('sprite', 'sprite.jpg', 1600, 90),
      { kind: 'storyboard', key: `${base}/storyboard.vtt`, size_bytes: 10, content_type: 'text/vtt' },
      { kind: 'hls_playlist', key: `${base}/hls/480p/iframes.m3u8`, size_bytes: 10, content_type: 'application/vnd.apple.mpegurl', rendition: '480p', i_frames: true },
      { kind: 'hls_master', key: `${base}/hls/master.m3u8`, size_bytes: 10, content_type: 'application/vnd.apple.mpegurl' },
    ];
    const view = {
      video_key: `${base}/video.mp4`,
      poster: { key: `${base}/poster.jpg`, width: 854, height: 480 },
      thumbnails: [
        { key: `${base}/thumbnails/thumb-001.jpg`, width: 320, height: 180, time_seconds: 0.4 },
        { key: `${base}/thumbnails/thumb-002.jpg`, width: 320, height: 180, time_seconds: 1.2 },
      ],
      storyboard: { vtt_key: `${base}/storyboard.vtt`, sprite_key: `${base}/sprite.jpg` },
      subtitles: [{ language: 'en', format: 'vtt', key: `${base}/subtitles.vtt` }],
      hls: { master_key: `${base}/hls/master.m3u8` },
    };
    expect(outputsView(records)).toEqual(view);
    // A version stored before issue 16 holds the view itself: read as it is.
    expect(outputsView(view)).toBe(view);
    expect(outputsView([])).toEqual({ video_key: null, poster: null, thumbnails: [], storyboard: null, subtitles: [], hls: null });
  });

  it('maps ffprobe facts into a bounded record', () => {
    expect(facts).toEqual({
      duration_seconds: 4,
      width: 854,
      height: 480,
      fps: 15,
      video_codec: 'h264',
      audio_codec: 'aac',
      audio_channels: 2,
      audio_sample_rate: 48000,
      bit_rate: 2468,
      size_bytes: 1234,
      format: 'mp4',
      rotation: 0,
    });
  });

  it('validates patches: trims, bounds, refuses control characters, wrong types and unknown fields', () => {
    expect(validateMetadataPatch({ title: '  Hi  ', tags: [' a ', 'b'] })).toEqual({ title: 'Hi', tags: ['a', 'b'] });
    expect(validateMetadataPatch({ title: '<script>alert(1)</script>' }).title).toBe('<script>alert(1)</script>');
    for (const bad of [{}, { title: 1 }, { title: 'a\u0000b' }, { title: 'x'.repeat(201) }, { description: 'x'.repeat(1_000_000) }, { tags: 'a' }, { tags: ['a', 'a'] }, { owner: 'me' }, null]) {
      expect(() => validateMetadataPatch(bad)).toThrow(VidgenError);
    }
  });

  it('moves the ETag with the version and the URL window, and reads the version back', () => {
    const ttl = 3600;
    const a = urlWindow(Date.UTC(2026, 0, 1, 0, 10), ttl);
    const b = urlWindow(Date.UTC(2026, 0, 1, 0, 20), ttl);
    const c = urlWindow(Date.UTC(2026, 0, 1, 0, 40), ttl);
    expect(a.index).toBe(b.index);
    expect(c.index).toBe(a.index + 1);
    expect(a.signedAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(a.remainingSeconds).toBe(20 * 60);
    expect(metadataEtag('v1d', 3, a.index)).not.toBe(metadataEtag('v1d', 3, c.index));
    expect(versionFromEtag(metadataEtag('v1d', 3, a.index), 'v1d')).toBe(3);
    expect(versionFromEtag(metadataEtag('v1d', 3, a.index), 'other')).toBeNull();
    expect(versionFromEtag('"garbage"', 'v1d')).toBeNull();
  });

  it('makes opaque version cursors bound to their video, and refuses anything else', () => {
    const c = encodeVersionCursor({ videoId: 'vid-1', version: 7 });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeVersionCursor(c, 'vid-1')).toEqual({ videoId: 'vid-1', version: 7 });
    expect(decodeVersionCursor(c, 'vid-2')).toBeNull();
    const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const bad of ['', 'not a cursor!', 'x'.repeat(401), forge(['vid-1']), forge(['vid-1', 1]), forge(['vid-1', 2.5]), forge(['vid-1', '7']), forge({ videoId: 'vid-1', version: 7 }), forge(['vid-1', 1e300])]) {
      expect(decodeVersionCursor(bad, 'vid-1')).toBeNull();
    }
  });

  it('derives one video id per job', () => {
    expect(videoIdForJob('j1')).toBe(videoIdForJob('j1'));
    expect(videoIdForJob('j1')).not.toBe(videoIdForJob('j2'));
    expect(videoIdForJob('j1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('VideoMetadataManager against real Redis', () => {
  const prefix = `vgtest-meta-${process.pid}-${Date.now()}`;
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const manager = new VideoMetadataManager(redis, prefix);

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });

  it('writes version 1 once, links the job and indexes the owner', async () => {
    const first = await manager.createForJob({ jobId: 'job-a', owner: 'alice', topic: 'Tides', facts, renditions: [], outputs });
    expect(first).toMatchObject({ version: 1, change: 'created', title: 'Tides', description: '', tags: [], owner: 'alice', job_id: 'job-a' });
    const again = await manager.createForJob({ jobId: 'job-a', owner: 'alice', topic: 'Changed', facts, renditions: [], outputs });
    expect(again.version).toBe(1);
    expect(again.title).toBe('Tides');
    expect(await manager.videoIdOfJob('job-a')).toBe(first.video_id);
    expect(await manager.listByOwner('alice')).toEqual([first.video_id]);
  });

  it('adds versions with optimistic concurrency: exactly one of two concurrent edits wins', async () => {
    const v1 = await manager.createForJob({ jobId: 'job-b', owner: 'bob', topic: 'Race', facts, renditions: [], outputs });
    const results = await Promise.all([manager.edit(v1.video_id, 1, { title: 'First' }), manager.edit(v1.video_id, 1, { title: 'Second' })]);
    const wins = results.filter((r) => r.ok);
    expect(wins).toHaveLength(1);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: 'conflict', currentVersion: 2 });
    const current = await manager.get(v1.video_id);
    expect(current).toMatchObject({ version: 2, change: 'edited' });
    expect(['First', 'Second']).toContain(current!.title);
    const reup = await manager.reupload(v1.video_id, 2, { facts: { ...facts, size_bytes: 999 }, renditions: [], outputs });
    expect(reup).toMatchObject({ ok: true, metadata: { version: 3, change: 'reuploaded', size_bytes: 999, title: current!.title } });
    const all = await manager.versions(v1.video_id);
    expect(all.map((v) => [v.version, v.change])).toEqual([
      [1, 'created'],
      [2, 'edited'],
      [3, 'reuploaded'],
    ]);
    expect(all[0]!.title).toBe('Race');
    expect(await manager.edit('no-such-video', 1, { title: 'x' })).toEqual({ ok: false, reason: 'missing' });
  });

  it('reads a job\'s current version in one call: the newest after edits, null without a video or its link', async () => {
    expect(await manager.getByJob('job-none')).toBeNull();
    const v1 = await manager.createForJob({ jobId: 'job-c', owner: 'carol', topic: 'Current', facts, renditions: [], outputs });
    expect(await manager.getByJob('job-c')).toEqual(v1);
    const edited = await manager.edit(v1.video_id, 1, { title: 'Edited' });
    if (!edited.ok) throw new Error('edit refused');
    expect(await manager.getByJob('job-c')).toEqual(edited.metadata);
    expect(await manager.getByJob('job-c')).toEqual(await manager.get(v1.video_id));
    // The link is what says the job has a video: without it (deleted with the job) there is none.
    await redis.del(jobVideoKey(prefix, 'job-c'));
    expect(await manager.getByJob('job-c')).toBeNull();
  });
});

describe('the version cap and version pages against real Redis', () => {
  const prefix = `vgtest-metacap-${process.pid}-${Date.now()}`;
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const extra: Redis[] = [];
  const create = (manager: VideoMetadataManager, jobId: string) => manager.createForJob({ jobId, owner: 'carol', topic: `Topic ${jobId}`, facts, renditions: [], outputs });

  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    for (const r of extra) r.disconnect();
  });

  it('defaults to 100 versions and refuses a cap below 2', () => {
    expect(DEFAULT_MAX_VERSIONS).toBe(100);
    expect(new VideoMetadataManager(redis, prefix).maxVersions).toBe(100);
    for (const bad of [1, 0, -5, 2.5, Number.NaN]) expect(() => new VideoMetadataManager(redis, prefix, { maxVersions: bad })).toThrow(RangeError);
  });

  it('refuses the version beyond the cap in the write script, and every version stays readable', async () => {
    const manager = new VideoMetadataManager(redis, prefix, { maxVersions: 3 });
    const v1 = await create(manager, 'cap-a');
    expect(await manager.edit(v1.video_id, 1, { title: 'two' })).toMatchObject({ ok: true, metadata: { version: 2 } });
    expect(await manager.edit(v1.video_id, 2, { title: 'three' })).toMatchObject({ ok: true, metadata: { version: 3 } });
    expect(await manager.edit(v1.video_id, 3, { title: 'four' })).toEqual({ ok: false, reason: 'limit', currentVersion: 3, maxVersions: 3 });
    expect(await manager.reupload(v1.video_id, 3, { facts, renditions: [], outputs })).toEqual({ ok: false, reason: 'limit', currentVersion: 3, maxVersions: 3 });
    // At the cap a stale writer learns that no edit can succeed, rather than to read again.
    expect(await manager.edit(v1.video_id, 2, { title: 'stale' })).toEqual({ ok: false, reason: 'limit', currentVersion: 3, maxVersions: 3 });
    // Nothing was written past the cap, nothing was deleted.
    expect(await redis.hget(videoKey(prefix, v1.video_id), 'version')).toBe('3');
    expect((await redis.hkeys(videoVersionsKey(prefix, v1.video_id))).sort()).toEqual(['1', '2', '3']);
    expect((await manager.versions(v1.video_id)).map((v) => v.title)).toEqual(['Topic cap-a', 'two', 'three']);
    // Below the cap, a stale writer is still a conflict.
    const roomy = new VideoMetadataManager(redis, prefix, { maxVersions: 10 });
    expect(await roomy.edit(v1.video_id, 2, { title: 'stale' })).toEqual({ ok: false, reason: 'conflict', currentVersion: 3 });
    // A lower cap than a video already has refuses edits; the versions it has stay.
    const lowered = new VideoMetadataManager(redis, prefix, { maxVersions: 2 });
    expect(await lowered.edit(v1.video_id, 3, { title: 'x' })).toEqual({ ok: false, reason: 'limit', currentVersion: 3, maxVersions: 2 });
    expect(await lowered.getVersion(v1.video_id, 3)).toMatchObject({ version: 3, title: 'three' });
    // Raising it lets edits continue.
    expect(await roomy.edit(v1.video_id, 3, { title: 'four' })).toMatchObject({ ok: true, metadata: { version: 4 } });
  });

  it('at the cap edge, concurrent writers on separate connections: exactly the allowed number of edits succeed', async () => {
    const cap = 6;
    const managers = Array.from({ length: 4 }, () => {
      const r = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
      extra.push(r);
      return new VideoMetadataManager(r, prefix, { maxVersions: cap });
    });
    const v1 = await create(managers[0]!, 'cap-race');
    // 16 writers, each retrying on conflict until its edit is written or refused at the cap.
    const writer = async (i: number): Promise<'ok' | 'limit'> => {
      const m = managers[i % managers.length]!;
      for (;;) {
        const current = (await m.get(v1.video_id))!;
        const r = await m.edit(v1.video_id, current.version, { title: `writer ${i}` });
        if (r.ok) return 'ok';
        if (r.reason === 'limit') return 'limit';
        expect(r.reason).toBe('conflict');
      }
    };
    const outcomes = await Promise.all(Array.from({ length: 16 }, (_, i) => writer(i)));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(cap - 1);
    expect(outcomes.filter((o) => o === 'limit')).toHaveLength(16 - (cap - 1));
    expect(await redis.hget(videoKey(prefix, v1.video_id), 'version')).toBe(String(cap));
    const all = await managers[0]!.versions(v1.video_id);
    expect(all.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6]);
    // Each successful writer wrote exactly one version.
    const titles = all.slice(1).map((v) => v.title);
    expect(new Set(titles).size).toBe(cap - 1);
  });

  it('pages versions newest first; a walk returns every version once, even while versions are added', async () => {
    const manager = new VideoMetadataManager(redis, prefix, { maxVersions: 50 });
    const v1 = await create(manager, 'pages');
    for (let n = 1; n < 7; n++) expect((await manager.edit(v1.video_id, n, { title: `t${n + 1}` })).ok).toBe(true);

    const first = await manager.versionPage(v1.video_id, { limit: 3 });
    expect(first.versions.map((v) => v.version)).toEqual([7, 6, 5]);
    expect(first.nextBefore).toBe(5);
    // A version added mid-walk is not on the later pages (it is on the next walk's first page).
    expect((await manager.edit(v1.video_id, 7, { title: 't8' })).ok).toBe(true);
    const seen = first.versions.map((v) => v.version);
    let before = first.nextBefore;
    while (before !== null) {
      const page = await manager.versionPage(v1.video_id, { limit: 3, before });
      seen.push(...page.versions.map((v) => v.version));
      before = page.nextBefore;
    }
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);

    expect(await manager.versionPage(v1.video_id, { limit: 8 })).toMatchObject({ nextBefore: null });
    expect((await manager.versionPage(v1.video_id, { limit: 100 })).versions.map((v) => v.version)).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect((await manager.versionPage(v1.video_id, { limit: 2, before: 2 })).versions.map((v) => v.version)).toEqual([1]);
    // A position above the head starts at the head.
    expect((await manager.versionPage(v1.video_id, { limit: 1, before: 1000 })).versions.map((v) => v.version)).toEqual([8]);
    expect(await manager.versionPage('no-such-video', { limit: 5 })).toEqual({ versions: [], nextBefore: null });
  });
});
