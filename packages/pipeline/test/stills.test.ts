import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { probe } from '@vidgen/ffmpeg';
import { PipelineIntegrator, frameAt, posterTime, spritePlan, stillFrames, stillsArgs, thumbnailTimes, type VideoGenerationResult } from '../src';
import { exec, ffmpegPath, ffprobePath, makeJob } from './helpers';

/** ffmpeg's psnr filter between `a` and `b` (the same size): the average over the channels, in dB (Infinity when identical). */
async function psnr(inputs: string[], graph: string): Promise<number> {
  const { stderr } = await exec(ffmpegPath, ['-v', 'info', ...inputs.flatMap((i) => ['-i', i]), '-filter_complex', graph, '-f', 'null', '-']);
  const m = /PSNR .*average:(inf|[\d.]+)/.exec(stderr);
  if (!m) throw new Error(`no PSNR in ffmpeg's output: ${stderr.slice(-500)}`);
  return m[1] === 'inf' ? Infinity : Number(m[1]);
}

describe('stills: pure planning', () => {
  it('picks the frame showing at each instant, within the video', () => {
    expect(frameAt(0, 30, 90)).toBe(0);
    expect(frameAt(1.5, 30, 90)).toBe(45);
    expect(frameAt(1.0333, 30, 90)).toBe(30);
    expect(frameAt(5, 30, 90)).toBe(89);
    const sprite = spritePlan({ durationSeconds: 3, srcWidth: 1280, srcHeight: 720 });
    expect(stillFrames({ fps: 30, totalFrames: 90, count: 2, sprite })).toEqual({ poster: 9, thumbnails: [22, 67], sprite: [0, 30, 60] });
  });

  it('builds one ffmpeg with the poster, the thumbnails and the tiled sprite told apart by frame index', () => {
    const plan = spritePlan({ durationSeconds: 3, srcWidth: 1280, srcHeight: 720 });
    const args = stillsArgs({ width: 1280, height: 720, pixelFormat: 'bgr24', poster: { output: '/o/poster.jpg' }, thumbnails: { count: 2, width: 320, height: 180, pattern: '/o/thumb-%03d.jpg' }, sprite: { plan, output: '/o/sprite.jpg' } });
    expect(args.slice(0, 13)).toEqual(['-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', '1280x720', '-r', '1', '-i', 'pipe:0', '-filter_complex_threads', '1', '-filter_complex']);
    expect(args[13]).toBe('[0:v]split=3[p][t][s];[p]trim=end_frame=1[poster];[t]trim=start_frame=1:end_frame=3,setpts=PTS-STARTPTS,scale=320:180[thumbs];[s]trim=start_frame=3,setpts=PTS-STARTPTS,scale=160:90,tile=3x1[sprite]');
    expect(args).toContain('/o/thumb-%03d.jpg');
  });
});

describe('stills painted beside the render units (real pipeline, real ffmpeg)', () => {
  let base: string;
  let rendered: VideoGenerationResult;
  const count = 3;
  const thumbnailWidth = 200;

  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'vidgen-stills-test-'));
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    const job = makeJob({
      quality: 'low',
      subtitles: false,
      scenes: [
        { layout: 'bullets', title: 'Three things', items: ['One', 'Two', 'Three'], duration_seconds: 2, transition: 'crossfade', animation: 'auto' },
        { layout: 'stat', title: 'Share', value: 42, suffix: '%', label: 'of the frames are held', duration_seconds: 2, transition: 'cut', animation: 'auto' },
      ],
    } as never);
    rendered = await integrator.run(job, { stills: { count, thumbnailWidth } });
  }, 120_000);

  afterAll(async () => {
    await rendered?.cleanup();
    await rm(base, { recursive: true, force: true });
  });

  it('writes the poster, the thumbnails and the sprite with their sizes and the storyboard', async () => {
    const s = rendered.stills!;
    expect(s).not.toBeNull();
    expect((await probe(s.poster.path, { ffprobePath })).video).toMatchObject({ width: rendered.width, height: rendered.height });
    expect(s.thumbnails.map((t) => path.basename(t.path))).toEqual(['thumb-001.jpg', 'thumb-002.jpg', 'thumb-003.jpg']);
    for (const t of s.thumbnails) expect((await probe(t.path, { ffprobePath })).video).toMatchObject({ width: 200, height: 112 });
    // 4 s: a tile a second, one row of 4 tiles of 160x90.
    expect((await probe(s.sprite.path, { ffprobePath })).video).toMatchObject({ width: 4 * 160, height: 90 });
    expect(await readFile(s.storyboardPath, 'utf8')).toContain('00:00:03.000 --> 00:00:04.000\nsprite.jpg#xywh=480,0,160,90');
  });

  it('match the MP4 frames at the same instants (PSNR >= 35 dB), held frames included', async () => {
    const { fps, durationSeconds } = rendered;
    const total = rendered.plan.totalFrames;
    const s = rendered.stills!;
    const at = (n: number) => `[0:v]select=eq(n\\,${n})`;
    const poster = frameAt(posterTime(durationSeconds), fps, total);
    expect(await psnr([rendered.videoPath, s.poster.path], `${at(poster)}[ref];[ref][1:v]psnr`)).toBeGreaterThanOrEqual(35);
    const thumbs = thumbnailTimes(durationSeconds, count).map((t) => frameAt(t, fps, total));
    for (const [i, n] of thumbs.entries()) {
      const db = await psnr([rendered.videoPath, s.thumbnails[i]!.path], `${at(n)},scale=200:112[ref];[ref][1:v]psnr`);
      expect({ thumb: i, db, atLeast35: db >= 35 }).toMatchObject({ thumb: i, atLeast35: true });
    }
    // The tiles: frames 0, 15, 30, 45 of the MP4, scaled and tiled the same way.
    const tiles = [0, 1, 2, 3].map((k) => frameAt(k, fps, total));
    const select = tiles.map((n) => `eq(n\\,${n})`).join('+');
    expect(await psnr([rendered.videoPath, s.sprite.path], `[0:v]select=${select},scale=160:90,tile=4x1[ref];[ref][1:v]psnr`)).toBeGreaterThanOrEqual(35);
    // A wrong frame is told apart: the poster against the last frame scores lower than against its own.
    const own = await psnr([rendered.videoPath, s.poster.path], `${at(poster)}[ref];[ref][1:v]psnr`);
    const other = await psnr([rendered.videoPath, s.poster.path], `${at(total - 1)}[ref];[ref][1:v]psnr`);
    expect(other).toBeLessThan(own - 3);
  }, 60_000);
});
