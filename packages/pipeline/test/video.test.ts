import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ENTRANCE_SECONDS, type StageName } from '@vidgen/core';
import { probe } from '@vidgen/ffmpeg';
import { PipelineIntegrator, type VideoGenerationResult } from '../src';
import { exec, ffmpegPath, ffprobePath, makeJob, ocr, topLevelBoxes } from './helpers';

/*
 * Video-level checks with real ffmpeg and the real painter (@vidgen/render):
 * short fixtures at low quality, so the whole file stays within its budget.
 */

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'vidgen-video-test-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

/** OCR of the frame at `seconds`, scaled up 2× (the low quality's text is small for tesseract). */
async function ocrAt(video: string, seconds: number, dir: string, psm: '3' | '6' = '3'): Promise<string> {
  const png = path.join(dir, `ocr-${seconds}.png`);
  await exec(ffmpegPath, ['-v', 'error', '-y', '-ss', seconds.toFixed(3), '-i', video, '-frames:v', '1', '-vf', 'scale=iw*2:-1', png]);
  return ocr(png, psm);
}

/** Every frame between two times as 8-bit grey, decoded once. */
async function greyFrames(video: string, fromSeconds: number, count: number, width: number, height: number): Promise<Buffer[]> {
  const { stdout } = await exec(ffmpegPath, ['-v', 'error', '-ss', fromSeconds.toFixed(4), '-i', video, '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], 'buffer');
  const buf = stdout as Buffer;
  const size = width * height;
  return Array.from({ length: Math.floor(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));
}

async function streamDurations(video: string): Promise<Record<string, number>> {
  const { stdout } = await exec(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type,duration', '-of', 'csv=p=0', video]);
  return Object.fromEntries(
    String(stdout)
      .trim()
      .split('\n')
      .map((l) => l.split(','))
      .map(([t, d]) => [t, Number(d)]),
  );
}

async function frameCount(video: string): Promise<number> {
  const { stdout } = await exec(ffprobePath, ['-v', 'error', '-count_frames', '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', video]);
  return Number(String(stdout).trim());
}

const squash = (s: string) => s.replace(/\s+/g, ' ');

describe('a light two-scene video: bullets building, then a crossfade', () => {
  const bullets = ['Boats leave at dawn', 'Nets are mended', 'Gulls follow the boats'];
  let result: VideoGenerationResult;
  const stages: Array<[StageName, number]> = [];

  beforeAll(async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    result = await integrator.run(
      makeJob({
          quality: 'low',
          theme: 'light',
          topic: 'Harbour',
          scenes: [
            { layout: 'bullets', title: 'Morning Harbour', items: bullets, duration_seconds: 4, transition: 'crossfade' },
            { layout: 'title', title: 'Evening Lights', text: 'The lighthouse turns on', duration_seconds: 3 },
          ],
      }),
      { onProgress: (stage, pct) => void stages.push([stage, pct]) },
    );
  });
  afterAll(async () => {
    await result?.cleanup();
  });

  it('has exactly the plan’s frames and length, H.264/AAC yuv420p, moov first, audio as long as the video', async () => {
    const { plan } = result;
    expect(await frameCount(result.videoPath)).toBe(plan.totalFrames);
    const facts = await probe(result.videoPath, { ffprobePath });
    expect(facts.video).toMatchObject({ codec: 'h264', width: plan.width, height: plan.height, fps: plan.fps, pix_fmt: 'yuv420p' });
    expect(facts.audio).toMatchObject({ codec: 'aac', channels: 2, sample_rate: 48000 });
    const durations = await streamDurations(result.videoPath);
    expect(durations.video).toBeCloseTo(plan.totalFrames / plan.fps, 2);
    expect(Math.abs(durations.audio! - durations.video!)).toBeLessThan(0.05);
    const boxes = await topLevelBoxes(result.videoPath);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    // Still frames were held by ffmpeg, not painted.
    expect(result.paintedFrames).toBeLessThan(plan.totalFrames);
  });

  it('OCR finds the title and each bullet once it has entered, and a bullet not before its entrance', async () => {
    const scene = result.plan.scenes[0]!;
    const start = scene.startFrame / result.plan.fps;
    const items = scene.timeline.items;
    expect(items).toHaveLength(3);
    // All built, before the transition starts.
    const settled = squash(await ocrAt(result.videoPath, start + items[2]! + ENTRANCE_SECONDS + 0.3, result.scratchDir));
    expect(settled).toContain('Morning Harbour');
    for (const b of bullets) expect(settled).toContain(b);
    // Just before the third bullet's entrance: the first two are there, the third is not drawn at all.
    const before = squash(await ocrAt(result.videoPath, start + items[2]! - 0.05, result.scratchDir));
    expect(before).toContain(bullets[0]);
    expect(before).not.toContain('Gulls');
    const second = result.plan.scenes[1]!;
    const late = squash(await ocrAt(result.videoPath, (second.startFrame + second.frames - 2) / result.plan.fps, result.scratchDir));
    expect(late).toContain('Evening Lights');
    expect(late).toContain('The lighthouse turns on');
  });

  it('the crossfade never dips below the darker background (no fade through black)', async () => {
    const { plan } = result;
    const scene = plan.scenes[0]!;
    expect(scene.transition).toMatchObject({ type: 'crossfade' });
    const from = scene.startFrame + scene.frames - scene.transition.frames - 2;
    const frames = await greyFrames(result.videoPath, from / plan.fps, scene.transition.frames + 5, plan.width, plan.height);
    expect(frames.length).toBe(scene.transition.frames + 5);
    // A background patch near the bottom-left corner (inside the 5% margin, where nothing is drawn).
    const patch = (g: Buffer) => {
      let sum = 0;
      let n = 0;
      for (let y = plan.height - 12; y < plan.height - 4; y++) for (let x = 4; x < 12; x++, n++) sum += g[y * plan.width + x]!;
      return sum / n;
    };
    const outgoing = patch(frames[0]!);
    const incoming = patch(frames[frames.length - 1]!);
    const darker = Math.min(outgoing, incoming);
    expect(darker).toBeGreaterThan(150); // a light theme
    for (const g of frames) expect(patch(g)).toBeGreaterThanOrEqual(darker - 2);
  });

  it('held frames are identical', async () => {
    const { plan } = result;
    const second = plan.scenes[1]!;
    // The closing title's last half second: everything has entered, nothing moves.
    const frames = await greyFrames(result.videoPath, (second.startFrame + second.frames - 8) / plan.fps, 6, plan.width, plan.height);
    expect(frames).toHaveLength(6);
    for (const g of frames.slice(1)) {
      let maxDiff = 0;
      for (let i = 0; i < g.length; i++) maxDiff = Math.max(maxDiff, Math.abs(g[i]! - frames[0]![i]!));
      expect(maxDiff).toBeLessThanOrEqual(2);
    }
  });

  it('reports progress through the stages, only rising within each', () => {
    expect([...new Set(stages.map(([s]) => s))]).toEqual(['planning', 'rendering_scenes', 'combining']);
    for (const name of ['rendering_scenes', 'combining'] as const) {
      const pcts = stages.filter(([s]) => s === name).map(([, p]) => p);
      expect(pcts).toEqual([...pcts].sort((a, b) => a - b));
      expect(pcts[pcts.length - 1]).toBe(100);
    }
  });

  it('writes WebVTT from the plan’s scene times', async () => {
    const vtt = await readFile(result.subtitlesPath!, 'utf8');
    expect(vtt).toContain('00:00:00.000 --> 00:00:04.000\nMorning Harbour\nBoats leave at dawn');
    expect(vtt).toContain('00:00:04.000 --> 00:00:07.000\nEvening Lights\nThe lighthouse turns on');
  });
});

describe('a longer video renders as parallel units', () => {
  it('splits the scenes between two units and joins them in order, frame-exact', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base, cores: 2 });
    const stages: Array<[StageName, number]> = [];
    const result = await integrator.run(
      makeJob({
        quality: 'low',
        topic: 'Units',
        max_scene_concurrency: 2,
        scenes: [
          { layout: 'title', title: 'Morning Harbour', text: 'Boats leave at dawn', duration_seconds: 8, animation: 'none', transition: 'cut' },
          { layout: 'title', title: 'Noon Market', text: 'Fish are sold', duration_seconds: 7, animation: 'none', transition: 'wipe' },
          { layout: 'title', title: 'Evening Lights', text: 'The lighthouse turns on', duration_seconds: 7, animation: 'none' },
        ],
      }),
      { onProgress: (stage, pct) => void stages.push([stage, pct]) },
    );
    try {
      const files = await readdir(result.scratchDir);
      expect(files.filter((f) => /^unit-\d+\.mp4$/.test(f)).sort()).toEqual(['unit-000.mp4', 'unit-001.mp4']);
      expect(await frameCount(result.videoPath)).toBe(result.plan.totalFrames);
      const durations = await streamDurations(result.videoPath);
      expect(durations.video).toBeCloseTo(22, 2);
      expect(Math.abs(durations.audio! - 22)).toBeLessThan(0.05);
      // Unit one holds scene 1, unit two scenes 2 and 3: each shows at its planned time.
      expect(squash(await ocrAt(result.videoPath, 4, result.scratchDir))).toContain('Morning Harbour');
      expect(squash(await ocrAt(result.videoPath, 11, result.scratchDir))).toContain('Noon Market');
      expect(squash(await ocrAt(result.videoPath, 19, result.scratchDir))).toContain('Evening Lights');
      const rendering = stages.filter(([s]) => s === 'rendering_scenes').map(([, p]) => p);
      expect(rendering[rendering.length - 1]).toBe(100);
      expect(rendering).toEqual([...rendering].sort((a, b) => a - b));
    } finally {
      await result.cleanup();
    }
  });
});

describe('hostile text', () => {
  const hostile = [
    `';[0:v]drawtext=text=pwned`,
    `%{pts} %{localtime}`,
    `../../etc/passwd $(rm -rf ~) \`id\` | & ; > <`,
    `Line one\nLine two`,
    `abc\u202Edef\u202C ghi`,
  ];

  it('appears literally on screen and never in a spawned argument list', async () => {
    // A wrapper in front of ffmpeg records the argv of every ffmpeg the job spawns, from any thread.
    const dir = await mkdtemp(path.join(base, 'spawn-'));
    const log = path.join(dir, 'argv.log');
    const wrapper = path.join(dir, 'ffmpeg');
    await writeFile(wrapper, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${log}'; done\nexec '${ffmpegPath}' "$@"\n`);
    await chmod(wrapper, 0o755);
    const integrator = new PipelineIntegrator({ ffmpegPath: wrapper, scratchBaseDir: base });
    const result = await integrator.run(
      makeJob({
        quality: 'medium',
        topic: 'x',
        subtitles: false,
        scenes: hostile.map((text, i) => ({ layout: 'text' as const, title: `Case ${i + 1}`, text, duration_seconds: 1, animation: 'none' as const, transition: 'cut' as const })),
      }),
    );
    try {
      const argv = await readFile(log, 'utf8');
      expect(argv).toContain('pipe:0');
      for (const text of hostile) for (const piece of text.split(/\s+/).filter((p) => p.length > 3)) expect(argv).not.toContain(piece);
      expect(argv).not.toMatch(/drawtext|pwned|passwd|localtime|\u202E/);
      const seen = await Promise.all(result.plan.scenes.map((s) => ocrAt(result.videoPath, (s.startFrame + s.frames / 2) / result.plan.fps, result.scratchDir, '6')));
      const flat = seen.map(squash);
      expect(flat[0]).toContain(`';[0:v]drawtext=text=pwned`);
      // Had %{pts} been expanded, OCR would read a number instead.
      expect(flat[1]).toMatch(/%\{pts\} %\{localtime\}/);
      expect(flat[2]).toContain('../../etc/passwd');
      expect(flat[2]).toContain('$(rm -rf ~)');
      expect(seen[3]).toMatch(/Line one\s*\n+\s*Line two/);
      expect(flat[4]).toMatch(/abc/);
    } finally {
      await result.cleanup();
    }
  });
});
