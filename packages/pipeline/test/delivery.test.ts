import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { probe, runFfmpeg } from '@vidgen/ffmpeg';
import { keyframeTimes, packageHls, parseMediaPlaylist, renderThumbnails } from '@vidgen/pipeline';
import { ffmpegPath, ffprobePath } from './helpers';

/** A short H.264/AAC MP4 like the pipeline's: 2 s GOP, yuv420p. */
async function makeVideo(file: string, width: number, height: number, fps: number, seconds: number): Promise<void> {
  await runFfmpeg({
    ffmpegPath,
    args: [
      '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(fps * 2), '-c:a', 'aac', '-shortest', '-movflags', '+faststart', file,
    ],
  });
}

describe('delivery outputs with real ffmpeg', () => {
  let dir: string;
  let low: string;
  let medium: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-delivery-test-'));
    low = path.join(dir, 'low.mp4');
    medium = path.join(dir, 'medium.mp4');
    await makeVideo(low, 854, 480, 15, 8);
    await makeVideo(medium, 1280, 720, 15, 7);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('renders a poster, N thumbnails of the configured width, and a sprite with its storyboard', async () => {
    const out = path.join(dir, 'thumbs');
    const progress: number[] = [];
    const set = await renderThumbnails({ ffmpegPath, input: low, outDir: out, durationSeconds: 8, width: 854, height: 480, count: 4, thumbnailWidth: 200, onProgress: (p) => progress.push(p) });
    expect((await probe(set.poster.path, { ffprobePath })).video).toMatchObject({ width: 854, height: 480 });
    expect(set.thumbnails).toHaveLength(4);
    for (const t of set.thumbnails) expect((await probe(t.path, { ffprobePath })).video).toMatchObject({ width: 200, height: 112 });
    // 8 tiles of 160x90 (one per second), in one row of 8.
    expect((await probe(set.sprite.path, { ffprobePath })).video).toMatchObject({ width: 8 * 160, height: 90 });
    expect(set.sprite).toMatchObject({ width: 1280, height: 90 });
    const vtt = await readFile(set.storyboardPath, 'utf8');
    expect(vtt.startsWith('WEBVTT')).toBe(true);
    expect(vtt).toContain('00:00:07.000 --> 00:00:08.000\nsprite.jpg#xywh=1120,0,160,90');
    expect(progress.at(-1)).toBe(100);
  });

  it('packages a low job as one HLS variant remuxed from the MP4', async () => {
    const pkg = await packageHls({ ffmpegPath, ffprobePath, input: low, quality: 'low', durationSeconds: 8, sourceFps: 15, outDir: path.join(dir, 'low-out'), segmentSeconds: 6 });
    expect(pkg.variants.map((v) => v.label)).toEqual(['480p']);
    const master = await readFile(pkg.masterPath, 'utf8');
    expect(master).toMatch(/^#EXTM3U\n/);
    expect(master).toMatch(/#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,RESOLUTION=854x480,FRAME-RATE=15.000\n480p\/index.m3u8\n/);
    const segments = parseMediaPlaylist(await readFile(pkg.variants[0]!.playlistPath, 'utf8'));
    expect(segments.length).toBe(2);
    expect(segments.reduce((a, s) => a + s.durationSeconds, 0)).toBeCloseTo(8, 0);
    // A segment decodes on its own.
    expect((await probe(pkg.variants[0]!.segmentPaths[1]!, { ffprobePath })).video).toMatchObject({ codec: 'h264', width: 854, height: 480 });
  });

  it('packages a medium job as a 480p + 720p ladder with keyframes at the same times', async () => {
    const pkg = await packageHls({ ffmpegPath, ffprobePath, input: medium, quality: 'medium', durationSeconds: 7, sourceFps: 15, outDir: path.join(dir, 'medium-out'), segmentSeconds: 2 });
    expect(pkg.variants.map((v) => [v.label, v.width, v.height])).toEqual([
      ['480p', 854, 480],
      ['720p', 1280, 720],
    ]);
    const master = await readFile(pkg.masterPath, 'utf8');
    expect(master.indexOf('480p/index.m3u8')).toBeLessThan(master.indexOf('720p/index.m3u8'));
    const durations = await Promise.all(pkg.variants.map(async (v) => parseMediaPlaylist(await readFile(v.playlistPath, 'utf8')).map((s) => s.durationSeconds)));
    expect(durations[0]).toEqual(durations[1]);
    expect(await keyframeTimes(ffprobePath, pkg.variants[0]!.segmentPaths[1]!)).toHaveLength(1);
    expect((await probe(pkg.variants[0]!.segmentPaths[0]!, { ffprobePath })).video).toMatchObject({ width: 854, height: 480 });
  });
});
