import Redis from 'ioredis';
import { VidgenError } from '@vidgen/core';
import { parseProbeOutput } from '@vidgen/ffmpeg';
import { deleteKeysWithPrefix } from '@vidgen/queue';
import {
  VideoMetadataManager,
  factsFromProbe,
  metadataEtag,
  urlWindow,
  validateMetadataPatch,
  versionFromEtag,
  videoIdForJob,
  type MetadataOutputs,
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
const outputs: MetadataOutputs = { video_key: 'videos/o/j/video.mp4', poster: null, thumbnails: [], storyboard: null, subtitles: [], hls: null };

describe('pure rules', () => {
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
});
