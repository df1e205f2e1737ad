import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { probe, runFfmpeg } from '@vidgen/ffmpeg';
import { PipelineIntegrator, frameAt, keyframeTimes, packageHls, parseMediaPlaylist, posterTime, renderThumbnails, thumbnailTimes, type HlsPackage, type VideoGenerationResult } from '@vidgen/pipeline';
import { exec, ffmpegPath, ffprobePath, makeJob } from './helpers';

/**
 * A short H.264/AAC MP4 like the pipeline's: 2 s GOP, yuv420p; `keyframes`
 * adds keyframes where scene clips would start (anywhere on the frame grid).
 * `preset` veryfast has B-frames, as the renderer's encode does.
 */
async function makeVideo(file: string, width: number, height: number, fps: number, seconds: number, extra: { keyframes?: string; preset?: string } = {}): Promise<void> {
  await runFfmpeg({
    ffmpegPath,
    args: [
      '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
      '-c:v', 'libx264', '-preset', extra.preset ?? 'ultrafast', '-crf', '35', '-pix_fmt', 'yuv420p', '-g', String(fps * 2),
      ...(extra.keyframes ? ['-force_key_frames', extra.keyframes] : []),
      '-c:a', 'aac', '-shortest', '-movflags', '+faststart', file,
    ],
  });
}

const json = async (args: string[]) => JSON.parse(String((await exec(ffprobePath, ['-v', 'error', ...args, '-of', 'json'])).stdout)) as Record<string, Array<Record<string, string | number>>>;

/** The first video packet of a file: its PTS and whether it is a keyframe. */
async function firstVideoPacket(file: string): Promise<{ pts: number; key: boolean }> {
  const { packets } = await json(['-select_streams', 'v:0', '-read_intervals', '%+#1', '-show_entries', 'packet=pts_time,flags', file]);
  return { pts: Number(packets![0]!.pts_time), key: String(packets![0]!.flags).includes('K') };
}

/** The I-frame playlist's entries: file, byte offset and length. */
function iFrameRanges(text: string): Array<{ uri: string; offset: number; length: number }> {
  const out: Array<{ uri: string; offset: number; length: number }> = [];
  let range: [number, number] | null = null;
  for (const line of text.split('\n')) {
    const m = /^#EXT-X-BYTERANGE:(\d+)@(\d+)$/.exec(line);
    if (m) range = [Number(m[1]), Number(m[2])];
    else if (line && !line.startsWith('#')) {
      out.push({ uri: line, offset: range![1], length: range![0] });
      range = null;
    }
  }
  return out;
}

const avc = (profile: string, level: number) => `avc1.${({ High: '6400', Main: '4d40', 'Constrained Baseline': '42e0' } as Record<string, string>)[profile]}${level.toString(16).padStart(2, '0')}`;

/**
 * The proof of an HLS package against ffprobe: every rung has the top's
 * segment count and segment starts (first PTS within one frame), a keyframe
 * at every segment start, square pixels in the source's aspect, the CODECS
 * the master says, and an I-frame playlist whose every range decodes to one
 * keyframe.
 */
async function checkPackage(pkg: HlsPackage, source: { width: number; height: number; fps: number }, scratch: string): Promise<void> {
  const master = await readFile(pkg.masterPath, 'utf8');
  const versions = [master, ...(await Promise.all(pkg.variants.flatMap((v) => [readFile(v.playlistPath, 'utf8'), readFile(v.iFramesPath, 'utf8')])))].map((t) => /#EXT-X-VERSION:(\d+)/.exec(t)?.[1]);
  expect(new Set(versions)).toEqual(new Set(['4']));
  const starts: number[][] = [];
  for (const v of pkg.variants) {
    const streams = (await json(['-show_entries', 'stream=codec_type,profile,level,width,height,sample_aspect_ratio', v.segmentPaths[0]!])).streams!;
    const video = streams.find((s) => s.codec_type === 'video')!;
    expect({ label: v.label, sar: video.sample_aspect_ratio ?? '1:1', even: [Number(video.width) % 2, Number(video.height) % 2], aspect: Number(video.width) * source.height - Number(video.height) * source.width })
      .toEqual({ label: v.label, sar: '1:1', even: [0, 0], aspect: 0 });
    const codecs = `${avc(String(video.profile), Number(video.level))},mp4a.40.2`;
    expect(master).toContain(`CODECS="${codecs}",RESOLUTION=${video.width}x${video.height},FRAME-RATE=`);
    expect(master).toContain(`#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=`);
    expect(master).toMatch(new RegExp(`#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=\\d+,CODECS="${codecs.split(',')[0]}",RESOLUTION=${video.width}x${video.height},URI="${v.label}/iframes.m3u8"`));
    const firsts = await Promise.all(v.segmentPaths.map(firstVideoPacket));
    expect(firsts.every((f) => f.key)).toBe(true);
    starts.push(firsts.map((f) => f.pts));

    const iframes = await readFile(v.iFramesPath, 'utf8');
    expect(iframes).toContain('#EXT-X-I-FRAMES-ONLY');
    const ranges = iFrameRanges(iframes);
    expect(ranges.map((r) => r.uri)).toEqual(v.segmentPaths.map((p) => path.basename(p)));
    for (const [i, r] of ranges.entries()) {
      const file = await readFile(path.join(path.dirname(v.iFramesPath), r.uri));
      const bytes = file.subarray(r.offset, r.offset + r.length);
      expect(bytes.length).toBe(r.length);
      // A range, not the whole segment (every segment here holds more than one frame).
      expect(r.length).toBeLessThan(file.length);
      const piece = path.join(scratch, `${v.label}-iframe-${i}.ts`);
      await writeFile(piece, bytes);
      const frames = (await json(['-select_streams', 'v:0', '-show_entries', 'frame=key_frame,pict_type', piece])).frames!;
      expect({ rung: v.label, range: i, frames: frames.map((f) => [f.key_frame, f.pict_type]) }).toEqual({ rung: v.label, range: i, frames: [[1, 'I']] });
    }
  }
  const top = starts.at(-1)!;
  for (const [i, s] of starts.entries()) {
    expect({ rung: pkg.variants[i]!.label, segments: s.length }).toEqual({ rung: pkg.variants[i]!.label, segments: top.length });
    for (const [j, t] of s.entries()) expect({ rung: pkg.variants[i]!.label, segment: j, withinOneFrame: Math.abs(t - top[j]!) < 1 / source.fps }).toEqual({ rung: pkg.variants[i]!.label, segment: j, withinOneFrame: true });
  }
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
    // 30 fps with B-frames and keyframes off the 15 fps grid (2.033 s): the 480p rung cannot drop to 15 fps.
    await makeVideo(medium, 1280, 720, 30, 7, { preset: 'veryfast', keyframes: '0,1.5,2.0333,3.5,4.7' });
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
    const pkg = await packageHls({ ffmpegPath, ffprobePath, input: low, width: 854, height: 480, quality: 'low', durationSeconds: 8, sourceFps: 15, outDir: path.join(dir, 'low-out'), segmentSeconds: 6 });
    expect(pkg.variants.map((v) => v.label)).toEqual(['480p']);
    const master = await readFile(pkg.masterPath, 'utf8');
    expect(master).toMatch(/^#EXTM3U\n/);
    expect(master).toMatch(/#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2",RESOLUTION=854x480,FRAME-RATE=15.000\n480p\/index.m3u8\n/);
    const segments = parseMediaPlaylist(await readFile(pkg.variants[0]!.playlistPath, 'utf8'));
    expect(segments.length).toBe(2);
    expect(segments.reduce((a, s) => a + s.durationSeconds, 0)).toBeCloseTo(8, 0);
    // A segment decodes on its own.
    expect((await probe(pkg.variants[0]!.segmentPaths[1]!, { ffprobePath })).video).toMatchObject({ codec: 'h264', width: 854, height: 480 });
    await checkPackage(pkg, { width: 854, height: 480, fps: 15 }, dir);
  });

  it('packages a medium job as an aligned 480p + 720p ladder with CODECS and I-frame playlists', async () => {
    const pkg = await packageHls({ ffmpegPath, ffprobePath, input: medium, width: 1280, height: 720, quality: 'medium', durationSeconds: 7, sourceFps: 30, outDir: path.join(dir, 'medium-out'), segmentSeconds: 2 });
    expect(pkg.variants.map((v) => [v.label, v.width, v.height, v.fps])).toEqual([
      ['480p', 864, 486, 30],
      ['720p', 1280, 720, 30],
    ]);
    const master = await readFile(pkg.masterPath, 'utf8');
    expect(master.indexOf('480p/index.m3u8')).toBeLessThan(master.indexOf('720p/index.m3u8'));
    const durations = await Promise.all(pkg.variants.map(async (v) => parseMediaPlaylist(await readFile(v.playlistPath, 'utf8')).map((s) => s.durationSeconds)));
    expect(durations[0]).toEqual(durations[1]);
    // Cut where the muxer cuts the MP4 (keyframes 0, 1.5, 2.033, 3.5, 4.7 and 6.7 by the GOP): the first at or past each 2 s.
    expect(durations[1]!.map((d) => Math.round(d * 30))).toEqual([61, 80, 60, 9]);
    expect(await keyframeTimes(ffprobePath, pkg.variants[0]!.segmentPaths[1]!)).toHaveLength(1);
    await checkPackage(pkg, { width: 1280, height: 720, fps: 30 }, dir);
    // Every rung's first frame is at the TS time the subtitles' X-TIMESTAMP-MAP names (MPEGTS_START_TICKS).
    for (const v of pkg.variants) expect((await firstVideoPacket(v.segmentPaths[0]!)).pts).toBeCloseTo(2.0, 6);
  });

  it('keeps a lower frame rate when every segment start is on its grid', async () => {
    const src = path.join(dir, 'grid.mp4');
    await makeVideo(src, 1280, 720, 30, 4, { preset: 'veryfast' });
    const pkg = await packageHls({ ffmpegPath, ffprobePath, input: src, width: 1280, height: 720, quality: 'medium', durationSeconds: 4, sourceFps: 30, outDir: path.join(dir, 'grid-out'), segmentSeconds: 2 });
    expect(pkg.variants.map((v) => v.fps)).toEqual([15, 30]);
    await checkPackage(pkg, { width: 1280, height: 720, fps: 30 }, dir);
  });

  it.each([
    ['9:16', 720, 1280, [486, 864]],
    ['1:1', 720, 720, [480, 480]],
  ] as const)('sizes every rung of a %s job with square pixels in its aspect', async (aspect, width, height, lower) => {
    const src = path.join(dir, `aspect-${width}x${height}.mp4`);
    await makeVideo(src, width, height, 30, 2, { preset: 'veryfast' });
    const pkg = await packageHls({ ffmpegPath, ffprobePath, input: src, width, height, quality: 'medium', durationSeconds: 2, sourceFps: 30, outDir: path.join(dir, `aspect-${width}x${height}-out`), segmentSeconds: 1 });
    expect(pkg.variants.map((v) => [v.width, v.height])).toEqual([lower, [width, height]]);
    await checkPackage(pkg, { width, height, fps: 30 }, dir);
  });
});

/** ffmpeg's psnr filter over a graph ending in psnr: the average over the channels, in dB (Infinity when identical). */
async function psnr(inputs: string[], graph: string): Promise<number> {
  const { stderr } = await exec(ffmpegPath, ['-v', 'info', ...inputs.flatMap((i) => ['-i', i]), '-filter_complex', graph, '-f', 'null', '-']);
  const m = /PSNR .*average:(inf|[\d.]+)/.exec(stderr);
  if (!m) throw new Error(`no PSNR in ffmpeg's output: ${stderr.slice(-500)}`);
  return m[1] === 'inf' ? Infinity : Number(m[1]);
}

describe('stills and lower rungs from the render pass (real pipeline)', () => {
  let base: string;
  let rendered: VideoGenerationResult;
  const count = 3;

  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'vidgen-render-pass-test-'));
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    const job = makeJob({
      quality: 'medium',
      subtitles: false,
      scenes: [
        { layout: 'bullets', title: 'Three things', items: ['One', 'Two', 'Three'], duration_seconds: 5, transition: 'crossfade', animation: 'auto' },
        { layout: 'stat', title: 'Share', value: 42, suffix: '%', label: 'of the frames are held', duration_seconds: 5, transition: 'cut', animation: 'auto' },
      ],
    } as never);
    rendered = await integrator.run(job, { stills: { count, thumbnailWidth: 200 }, hls: { segmentSeconds: 2 } });
  }, 120_000);

  afterAll(async () => {
    await rendered?.cleanup();
    await rm(base, { recursive: true, force: true });
  });

  it('encodes the 480p rung beside the top in two units, and the package passes every check', async () => {
    expect(rendered.units).toBe(2);
    expect(rendered.renditions.map((r) => [r.label, r.width, r.height, r.fps])).toEqual([['480p', 864, 486, 15]]);
    // The rung is a full video: every frame at its rate, the top's audio.
    const rung = await probe(rendered.renditions[0]!.path, { ffprobePath });
    expect(rung.video).toMatchObject({ codec: 'h264', width: 864, height: 486 });
    expect(rung.audio?.codec).toBe('aac');
    expect(rung.duration_seconds).toBeCloseTo(10, 1);
    // Keyframes at the segment starts (every 2 s) and the second unit's start (5 s), in both.
    expect(await keyframeTimes(ffprobePath, rendered.renditions[0]!.path)).toEqual([0, 2, 4, 5, 6, 8]);
    expect(await keyframeTimes(ffprobePath, rendered.videoPath)).toEqual(expect.arrayContaining([0, 2, 4, 6, 8]));
    const pkg = await packageHls({
      ffmpegPath, ffprobePath, input: rendered.videoPath, width: rendered.width, height: rendered.height, quality: 'medium', durationSeconds: rendered.durationSeconds,
      sourceFps: rendered.fps, outDir: rendered.scratchDir, segmentSeconds: 2, prebuilt: rendered.renditions,
    });
    expect(pkg.variants.map((v) => [v.label, v.fps, v.segmentPaths.length])).toEqual([['480p', 15, 5], ['720p', 30, 5]]);
    await checkPackage(pkg, { width: 1280, height: 720, fps: 30 }, rendered.scratchDir);
  });

  it('paints the poster, the thumbnails and the sprite with their sizes and the storyboard', async () => {
    const s = rendered.stills!;
    expect((await probe(s.poster.path, { ffprobePath })).video).toMatchObject({ width: 1280, height: 720 });
    expect(s.thumbnails.map((t) => path.basename(t.path))).toEqual(['thumb-001.jpg', 'thumb-002.jpg', 'thumb-003.jpg']);
    for (const t of s.thumbnails) expect((await probe(t.path, { ffprobePath })).video).toMatchObject({ width: 200, height: 112 });
    // 10 s: a tile a second, one row of 10 tiles of 160x90.
    expect((await probe(s.sprite.path, { ffprobePath })).video).toMatchObject({ width: 10 * 160, height: 90 });
    expect(await readFile(s.storyboardPath, 'utf8')).toContain('00:00:09.000 --> 00:00:10.000\nsprite.jpg#xywh=1440,0,160,90');
  });

  it('stills match the MP4 frames at the same instants (PSNR >= 35 dB), held frames included', async () => {
    const { fps, durationSeconds } = rendered;
    const total = rendered.plan.totalFrames;
    const s = rendered.stills!;
    const at = (n: number) => `[0:v]select=eq(n\\,${n})`;
    const poster = frameAt(posterTime(durationSeconds), fps, total);
    const own = await psnr([rendered.videoPath, s.poster.path], `${at(poster)}[ref];[ref][1:v]psnr`);
    expect(own).toBeGreaterThanOrEqual(35);
    for (const [i, n] of thumbnailTimes(durationSeconds, count).map((t) => frameAt(t, fps, total)).entries()) {
      const db = await psnr([rendered.videoPath, s.thumbnails[i]!.path], `${at(n)},scale=200:112[ref];[ref][1:v]psnr`);
      expect({ thumb: i, db, atLeast35: db >= 35 }).toMatchObject({ thumb: i, atLeast35: true });
    }
    // The tiles: a frame a second of the MP4, scaled and tiled the same way.
    const select = Array.from({ length: 10 }, (_, k) => `eq(n\\,${frameAt(k, fps, total)})`).join('+');
    expect(await psnr([rendered.videoPath, s.sprite.path], `[0:v]select=${select},scale=160:90,tile=10x1[ref];[ref][1:v]psnr`)).toBeGreaterThanOrEqual(35);
    // A wrong frame is told apart: the poster against the last frame scores well below its own.
    const other = await psnr([rendered.videoPath, s.poster.path], `${at(total - 1)}[ref];[ref][1:v]psnr`);
    expect(other).toBeLessThan(own - 3);
  }, 60_000);
});
