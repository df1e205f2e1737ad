import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QUALITY_PRESETS } from '@vidgen/core';
import { probe } from '@vidgen/ffmpeg';
import { FrameSceneRenderer, buildAudioPlan, buildUnitEncodeArgs, encoderSettingsFor, holdTimestampExpression, mixAudio, paintedRuns, splitUnits, unitCount, type RenderedClip } from '../src';
import { exec, ffmpegChildren, ffmpegPath, ffprobePath } from './helpers';
import { testPlan } from './plan-fixture';

/* A fake of our own painter interface: engine logic only (the real painter's frames are tested in video.test.ts). */
const FAKE_PAINTER = path.join(__dirname, 'fixtures', 'fake-painter.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fake = require(FAKE_PAINTER) as { levelOf: (plan: unknown, n: number) => number; motionRanges: (plan: unknown) => Array<[number, number]> };
const encoder = encoderSettingsFor(QUALITY_PRESETS.low);

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'vidgen-engine-test-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** Mean luma of every frame of a video (frames are flat greys). */
async function frameLumas(video: string, width: number, height: number): Promise<number[]> {
  const { stdout } = await exec(ffmpegPath, ['-v', 'error', '-i', video, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], 'buffer');
  const buf = stdout as Buffer;
  const size = width * height;
  const out: number[] = [];
  for (let f = 0; f * size < buf.length; f++) {
    let sum = 0;
    for (let i = f * size; i < (f + 1) * size; i++) sum += buf[i]!;
    out.push(sum / size);
  }
  return out;
}

/** Expected grey of a decoded frame: ffmpeg maps yuv420p back to full-range grey, so the painted level. */
const luma = (v: number) => v;

async function keyframeTimes(video: string): Promise<number[]> {
  const { stdout } = await exec(ffprobePath, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'frame=key_frame,pkt_pts_time', '-of', 'csv=p=0', video]);
  return String(stdout)
    .trim()
    .split('\n')
    .map((l) => l.split(','))
    .filter(([k]) => k === '1')
    .map(([, t]) => Number(t));
}

describe('which frames are painted (pure)', () => {
  it('clips and merges motion ranges to the unit and always paints its first frame', () => {
    expect(paintedRuns([[0, 4], [3, 8], [20, 25], [40, 45]], 10, 42)).toEqual([[10, 11], [20, 25], [40, 42]]);
    expect(paintedRuns([], 5, 9)).toEqual([[5, 6]]);
  });

  it('stamps each piped frame at its slot and the sentinel at the unit end, numbers only', () => {
    expect(holdTimestampExpression([[0, 1], [5, 7], [9, 10]], 12, 30)).toBe('(N+gte(N\\,1)*4+gte(N\\,3)*2+gte(N\\,4)*2)/(30*TB)');
    expect(holdTimestampExpression([[0, 12]], 12, 30)).toBe('(N)/(30*TB)');
  });

  it('splits scenes into units of about equal frames, never more than the concurrency or one per 5 s', () => {
    const plan = testPlan({ fps: 10, scenes: [{ frames: 50 }, { frames: 50 }, { frames: 50 }, { frames: 50 }, { frames: 50 }, { frames: 50 }] });
    expect(unitCount(plan, 2)).toBe(2);
    expect(unitCount(testPlan({ fps: 10, scenes: [{ frames: 30 }, { frames: 30 }] }), 4)).toBe(1);
    expect(splitUnits(plan, 2)).toEqual([{ from: 0, to: 3 }, { from: 3, to: 6 }]);
    expect(splitUnits(plan, 4).map((r) => r.to - r.from)).toEqual([2, 1, 2, 1]);
  });

  it('builds the unit encode from numbers: raw frames on stdin, exact frame count, video only', () => {
    const args = buildUnitEncodeArgs({ width: 64, height: 36, fps: 30, pixelFormat: 'bgra', runs: [[0, 3]], unitFrames: 9, encoder, threads: 1, output: '/tmp/u.mp4' });
    expect(args.slice(0, 11)).toEqual(['-f', 'rawvideo', '-pix_fmt', 'bgra', '-s', '64x36', '-r', '30', '-i', 'pipe:0', '-filter:v']);
    expect(args).toEqual(expect.arrayContaining(['-frames:v', '9', '-an', '-threads', '1']));
  });
});

describe('render units with ffmpeg holding still frames', () => {
  const renderer = new FrameSceneRenderer({ ffmpegPath, encoder, format: { quality: 'low' }, painterModule: FAKE_PAINTER });

  it('paints only moving frames; the video has every frame, held ones repeating the frame before', async () => {
    const plan = testPlan({ scenes: [{ frames: 40 }, { frames: 25, transition: 'cut' }, { frames: 31 }] });
    const seen: number[] = [];
    const clip = await renderer.renderUnit(plan, { from: 0, to: 3 }, { output: path.join(base, 'one.mp4'), onFrames: (n) => seen.push(n) });
    expect(clip).toMatchObject({ startFrame: 0, endFrame: 96, warnings: [] });
    // 4 moving frames per scene, plus the first scene's 15 transition frames.
    expect(clip.paintedFrames).toBe(4 * 3 + 15);
    const lumas = await frameLumas(clip.path, plan.width, plan.height);
    expect(lumas).toHaveLength(96);
    lumas.forEach((y, n) => expect(Math.abs(y - luma(fake.levelOf(plan, n)))).toBeLessThan(3));
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('units render in parallel and join by stream copy into one MP4: frames in order, an IDR at each unit, audio as long as the video', async () => {
    const plan = testPlan({ scenes: [{ frames: 45 }, { frames: 45 }, { frames: 30 }, { frames: 60 }] });
    const ranges = splitUnits(plan, 2);
    expect(ranges).toEqual([{ from: 0, to: 2 }, { from: 2, to: 4 }]);
    const clips: RenderedClip[] = await Promise.all(ranges.map((r, i) => renderer.renderUnit(plan, r, { output: path.join(base, `par-${i}.mp4`), threads: 1 })));
    const output = path.join(base, 'joined.mp4');
    await renderer.assemble([clips[1]!, clips[0]!], { plan, output, scratchDir: base });
    const lumas = await frameLumas(output, plan.width, plan.height);
    expect(lumas).toHaveLength(plan.totalFrames);
    lumas.forEach((y, n) => expect(Math.abs(y - luma(fake.levelOf(plan, n)))).toBeLessThan(3));
    expect(await keyframeTimes(output)).toEqual(expect.arrayContaining([0, 3]));
    const facts = await probe(output, { ffprobePath });
    expect(facts.video).toMatchObject({ codec: 'h264', pix_fmt: 'yuv420p' });
    expect(facts.audio).toMatchObject({ codec: 'aac', channels: 2, sample_rate: 48000 });
    const { stdout } = await exec(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type,duration', '-of', 'csv=p=0', output]);
    const durations = Object.fromEntries(String(stdout).trim().split('\n').map((l) => l.split(',')).map(([t, d]) => [t, Number(d)]));
    expect(durations.video).toBeCloseTo(6, 3);
    expect(Math.abs(durations.audio - durations.video)).toBeLessThan(0.05);
  });

  it('the mixed track (speech at scene starts) muxed once with the stream-copied video, as long as the video', async () => {
    const plan = testPlan({ scenes: [{ frames: 45 }, { frames: 30 }, { frames: 45 }] });
    const clip = await renderer.renderUnit(plan, { from: 0, to: 3 }, { output: path.join(base, 'narr.mp4') });
    const wav = path.join(base, 'tone.wav');
    await exec(ffmpegPath, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=22050:duration=0.7', wav]);
    const output = path.join(base, 'narrated.mp4');
    const audio = path.join(base, 'narrated.wav');
    await mixAudio({ ffmpegPath, plan: buildAudioPlan(plan, [{ wavFile: wav }, null, { wavFile: wav }], null), output: audio, scratchDir: base });
    await renderer.assemble([clip], { plan, output, scratchDir: base, audio });
    const { stdout } = await exec(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type,duration', '-of', 'csv=p=0', output]);
    const durations = Object.fromEntries(String(stdout).trim().split('\n').map((l) => l.split(',')).map(([t, d]) => [t, Number(d)]));
    expect(durations.video).toBeCloseTo(4, 3);
    expect(Math.abs(durations.audio - durations.video)).toBeLessThan(0.05);
    // Loudness per 0.25 s window: the tone from 0 s and from 2.5 s (scene 3's start), silence between.
    const { stdout: pcm } = await exec(ffmpegPath, ['-v', 'error', '-i', output, '-map', '0:a', '-ac', '1', '-ar', '8000', '-f', 's16le', 'pipe:1'], 'buffer');
    const samples = new Int16Array((pcm as Buffer).buffer.slice((pcm as Buffer).byteOffset, (pcm as Buffer).byteOffset + (pcm as Buffer).length));
    const rms = (from: number, to: number) => {
      let s = 0;
      for (let i = Math.round(from * 8000); i < Math.round(to * 8000); i++) s += (samples[i] ?? 0) ** 2;
      return Math.sqrt(s / ((to - from) * 8000));
    };
    expect(rms(0.1, 0.5)).toBeGreaterThan(1000);
    expect(rms(1, 2.4)).toBeLessThan(50);
    expect(rms(2.6, 3.0)).toBeGreaterThan(1000);
    expect(rms(3.4, 3.9)).toBeLessThan(50);
  });

  it('a cancel mid-unit kills its ffmpeg and ends its worker thread', async () => {
    const plan = testPlan({ width: 640, height: 360, scenes: Array.from({ length: 4 }, () => ({ frames: 600 })) });
    const threadsBefore = (await readdir('/proc/self/task')).length;
    const controller = new AbortController();
    const run = renderer.renderUnit(plan, { from: 0, to: 4 }, { output: path.join(base, 'cancel.mp4'), signal: controller.signal, onFrames: (n) => n > 0 && controller.abort() });
    await expect(run).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    expect(await ffmpegChildren()).toEqual([]);
    // The worker thread is gone once renderUnit settles.
    expect((await readdir('/proc/self/task')).length).toBeLessThanOrEqual(threadsBefore);
  });

  it('a painter failure fails the unit with RENDER_FAILED and stops its ffmpeg', async () => {
    const plan = testPlan({ scenes: [{ frames: 40 }, { frames: 40 }] });
    plan.scenes[0]!.content = { text: 'fail at 30' };
    await expect(renderer.renderUnit(plan, { from: 0, to: 2 }, { output: path.join(base, 'fail.mp4') })).rejects.toMatchObject({ code: 'RENDER_FAILED', message: expect.stringContaining('fake painter fails at frame 30') });
    expect(await ffmpegChildren()).toEqual([]);
  });
});
