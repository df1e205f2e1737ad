import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QUALITY_PRESETS, silentLogger, type Logger, type Quality, type StageName } from '@vidgen/core';
import { probe } from '@vidgen/ffmpeg';
import { PipelineIntegrator, SAFE_MARGIN, type VideoGenerationResult } from '../src';
import { contentBox, ffmpegPath, ffprobePath, grayFrame, makeJob, ocr, pngFrame, topLevelBoxes } from './helpers';

let base: string;
beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'vidgen-pipeline-test-'));
});
afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

function capturingLogger(lines: string[]): Logger {
  const logger: Logger = {
    ...silentLogger,
    warn: (message, meta) => void lines.push(`${message} ${JSON.stringify(meta ?? {})}`),
    error: (message, meta) => void lines.push(`${message} ${JSON.stringify(meta ?? {})}`),
    child: () => logger,
  };
  return logger;
}

const LONG_TITLE = 'Photosynthesis: how green plants turn sunlight, water and air into sugar';
const LONG_BODY =
  'Inside every leaf, chlorophyll absorbs red and blue light. That energy splits water molecules, releasing oxygen, ' +
  'and drives the Calvin cycle, which fixes carbon dioxide into glucose. WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW ' +
  'Греческий и кириллица: Φωτοσύνθεση, фотосинтез.';

describe.each(['low', 'medium', 'high'] as Quality[])('rendered video at %s', (quality) => {
  const preset = QUALITY_PRESETS[quality];
  let result: VideoGenerationResult;
  const logLines: string[] = [];

  beforeAll(async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base, logger: capturingLogger(logLines) });
    result = await integrator.run(
      makeJob({
        quality,
        topic: 'Probe facts',
        scenes: [
          { title: LONG_TITLE, text: LONG_BODY, duration_seconds: 1 },
          { title: 'Ελληνικά — Кириллица', text: 'Ἀρχιμήδης · Пётр Ильич Чайковский · Crème brûlée', duration_seconds: 1 },
        ],
      }),
    );
  });
  afterAll(async () => {
    await result?.cleanup();
  });

  it('is H.264/AAC MP4, yuv420p, at the preset size and rate, with moov before mdat', async () => {
    const facts = await probe(result.videoPath, { ffprobePath });
    expect(facts.format).toContain('mp4');
    expect(facts.video).toMatchObject({ codec: 'h264', width: preset.width, height: preset.height, fps: preset.fps, pix_fmt: 'yuv420p' });
    expect(facts.audio).toMatchObject({ codec: 'aac', channels: 2, sample_rate: 48000 });
    expect(Math.abs(facts.duration_seconds - 2)).toBeLessThan(0.15);
    const boxes = await topLevelBoxes(result.videoPath);
    expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect(result).toMatchObject({ width: preset.width, height: preset.height, fps: preset.fps, durationSeconds: 2 });
  });

  it('keeps the rendered text inside the 5% safe area (pixel bounding box)', async () => {
    const { width, height } = preset;
    const box = contentBox(await grayFrame(result.videoPath, 0.5, width, height), width, height);
    expect(box).not.toBeNull();
    expect(box!.right - box!.left).toBeGreaterThan(width * 0.5); // the long lines really are there
    expect(box!.left).toBeGreaterThanOrEqual(Math.floor(width * SAFE_MARGIN));
    expect(box!.right).toBeLessThanOrEqual(Math.ceil(width * (1 - SAFE_MARGIN)));
    expect(box!.top).toBeGreaterThanOrEqual(Math.floor(height * SAFE_MARGIN));
    expect(box!.bottom).toBeLessThanOrEqual(Math.ceil(height * (1 - SAFE_MARGIN)));
  });

  it('draws Latin, Greek and Cyrillic with no replacement and no glyph warnings from ffmpeg', () => {
    expect(result.warnings).toEqual([]);
    expect(logLines.filter((l) => /glyph/i.test(l))).toEqual([]);
  });

  it('writes WebVTT timed to the scenes', async () => {
    const vtt = await readFile(result.subtitlesPath!, 'utf8');
    expect(vtt.startsWith('WEBVTT\n')).toBe(true);
    expect(vtt).toContain('00:00:00.000 --> 00:00:01.000');
    expect(vtt).toContain('00:00:01.000 --> 00:00:02.000\nΕλληνικά — Кириллица');
    expect(result.scenes.map((s) => [s.startSeconds, s.durationSeconds])).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });
});

describe('text on screen', () => {
  it('OCR reads the title back from a frame', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    const result = await integrator.run(makeJob({ quality: 'medium', topic: 'Photosynthesis Basics', scenes: [{ title: 'Photosynthesis Basics', text: 'Plants make sugar from light', duration_seconds: 1 }] }));
    try {
      const png = path.join(result.scratchDir, 'frame.png');
      await pngFrame(result.videoPath, 0.5, png);
      const text = await ocr(png);
      expect(text).toContain('Photosynthesis Basics');
      expect(text).toContain('Plants make sugar from light');
      expect(result.subtitlesPath).not.toBeNull();
    } finally {
      await result.cleanup();
    }
  });

  it('renders hostile text literally: files hold the text, the command never does', async () => {
    const title = `Say "hi" %{pts} \\ : ; [x] 'q'`;
    const body = `50% {x} a\\b; c:d\n%{localtime} [in] ,done`;
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    const result = await integrator.run(makeJob({ quality: 'medium', topic: 'x', subtitles: false, scenes: [{ title, text: body, duration_seconds: 1 }] }));
    try {
      expect(result.subtitlesPath).toBeNull();
      const files = (await readdir(result.scratchDir)).filter((f) => /^scene-000-line-\d+\.txt$/.test(f)).sort();
      const contents = await Promise.all(files.map((f) => readFile(path.join(result.scratchDir, f), 'utf8')));
      expect(contents).toEqual([title, '50% {x} a\\b; c:d', '%{localtime} [in] ,done']);
      const png = path.join(result.scratchDir, 'frame.png');
      await pngFrame(result.videoPath, 0.5, png);
      const text = await ocr(png);
      // Had %{pts} or %{localtime} been expanded, OCR would read numbers and a date instead.
      expect(text).toMatch(/%\{pts\}/);
      expect(text).toMatch(/localtime/);
    } finally {
      await result.cleanup();
    }
  });

  it('replaces characters the font lacks and says so', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    const result = await integrator.run(makeJob({ quality: 'low', topic: 'x', scenes: [{ title: 'שלום مرحبا', text: 'Chinese: 中文', duration_seconds: 1 }] }));
    try {
      expect(result.warnings).toEqual(['scene 1: replaced characters the font cannot draw with U+FFFD: U+4E2D, U+6587']);
      const line = await readFile(path.join(result.scratchDir, 'scene-000-line-001.txt'), 'utf8');
      expect(line).toBe('Chinese: \uFFFD\uFFFD');
    } finally {
      await result.cleanup();
    }
  });
});

describe('a longer silent video renders in parallel groups', () => {
  it('splits the scenes between two ffmpeg processes and joins them in order, frame-exact', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base, cores: 2 });
    const stages: Array<[StageName, number]> = [];
    const result = await integrator.run(
      makeJob({
        quality: 'low',
        topic: 'Groups',
        max_scene_concurrency: 2,
        scenes: [
          { title: 'Morning Harbour', text: 'Boats leave at dawn', duration_seconds: 8 },
          { title: 'Noon Market', text: 'Fish are sold', duration_seconds: 7 },
          { title: 'Evening Lights', text: 'The lighthouse turns on', duration_seconds: 7 },
        ],
      }),
      { onProgress: (stage, pct) => void stages.push([stage, pct]) },
    );
    try {
      const files = await readdir(result.scratchDir);
      expect(files.filter((f) => /^part-\d+\.mp4$/.test(f)).sort()).toEqual(['part-000.mp4', 'part-001.mp4']);
      const facts = await probe(result.videoPath, { ffprobePath });
      expect(Math.abs(facts.duration_seconds - 22)).toBeLessThan(0.15);
      expect(facts.video).toMatchObject({ codec: 'h264', pix_fmt: 'yuv420p' });
      expect(facts.audio).toMatchObject({ codec: 'aac', channels: 2 });
      const boxes = await topLevelBoxes(result.videoPath);
      expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
      // The first group holds scene 1, the second scenes 2 and 3: each shows at its planned time.
      const png = path.join(result.scratchDir, 'frame.png');
      await pngFrame(result.videoPath, 4, png);
      expect(await ocr(png)).toContain('Morning Harbour');
      await pngFrame(result.videoPath, 19, png);
      expect(await ocr(png)).toContain('Evening Lights');
      const rendering = stages.filter(([s]) => s === 'rendering_scenes').map(([, p]) => p);
      expect(rendering[rendering.length - 1]).toBe(100);
      expect(rendering).toEqual([...rendering].sort((a, b) => a - b));
    } finally {
      await result.cleanup();
    }
  });
});

describe('progress callbacks cannot hurt the job', () => {
  const scenes = [
    { text: 'one', duration_seconds: 1 },
    { text: 'two', duration_seconds: 1 },
  ];

  it('a throwing callback: the job completes and the failures are counted', async () => {
    let failures = 0;
    const stages: StageName[] = [];
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base, onCallbackError: () => void failures++ });
    const result = await integrator.run(makeJob({ scenes }), {
      onProgress: (stage) => {
        if (stages[stages.length - 1] !== stage) stages.push(stage);
        throw new Error('callback exploded');
      },
    });
    await result.cleanup();
    expect(stages).toEqual(['planning', 'rendering_scenes', 'combining']);
    expect(failures).toBeGreaterThanOrEqual(6);
  });

  it('a callback returning a promise that never settles: the job completes', async () => {
    const seen: Array<[StageName, number]> = [];
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    const result = await integrator.run(makeJob({ scenes }), {
      onProgress: (stage, pct) => {
        seen.push([stage, pct]);
        return new Promise(() => {});
      },
    });
    await result.cleanup();
    expect(seen[seen.length - 1]).toEqual(['combining', 100]);
    for (const [, pct] of seen) expect(pct).toBeGreaterThanOrEqual(0);
  });
});

describe('narration', () => {
  it('speaks each scene with espeak-ng and stretches the scene to fit the speech', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    const text = 'Narration makes this one second scene considerably longer than planned.';
    const result = await integrator.run(makeJob({ quality: 'low', narration: true, scenes: [{ title: 'Narrated', text, duration_seconds: 1 }] }));
    try {
      expect(result.scenes[0]?.narrated).toBe(true);
      expect(result.durationSeconds).toBeGreaterThan(2);
      const facts = await probe(result.videoPath, { ffprobePath });
      expect(facts.audio).toMatchObject({ codec: 'aac', channels: 2 });
      expect(Math.abs(facts.duration_seconds - result.durationSeconds)).toBeLessThan(0.15);
    } finally {
      await result.cleanup();
    }
  });

  it('fails with TTS_UNAVAILABLE when the worker has no TTS, leaving no scratch dir', async () => {
    const own = await mkdtemp(path.join(base, 'tts-'));
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: own, ttsCheck: async () => false });
    await expect(integrator.run(makeJob({ narration: true, scenes: [{ text: 'x', duration_seconds: 1 }] }))).rejects.toMatchObject({ code: 'TTS_UNAVAILABLE', retryable: false });
    expect(await readdir(own)).toEqual([]);
  });
});
