import { VidgenError } from '@vidgen/core';
import { PipelineIntegrator, buildVideoGenerationConfig, safeProgressSink } from '../src';
import { makeJob } from './helpers';

describe('job → VideoGenerationConfig', () => {
  it('maps quality, aspect, theme, storyboard and concurrency', () => {
    const config = buildVideoGenerationConfig(makeJob({ quality: 'high', theme: 'light', scenes: [{ text: 'x' }], max_scene_concurrency: 8, context: 'unused' }), { scratchBaseDir: '/tmp', cores: 16 });
    expect(config).toMatchObject({ width: 1920, height: 1080, fps: 60, aspect: '16:9', progressBar: false, theme: 'light', scenes: [{ text: 'x' }], context: '', subtitles: true, narration: false, sceneConcurrency: 2, cores: 16 });
    const portrait = buildVideoGenerationConfig(makeJob({ quality: 'medium', aspect: '9:16', progress_bar: true, scenes: [{ text: 'x' }] }), { scratchBaseDir: '/tmp', cores: 2 });
    expect(portrait).toMatchObject({ width: 720, height: 1280, aspect: '9:16', progressBar: true, theme: 'dark' });
    expect(config.encoder).toMatchObject({ videoCodec: 'libx264', crf: 21, x264Preset: 'veryfast', gopFrames: 120, audioBitrateKbps: 160 });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('fails a bad job with VALIDATION_FAILED before any rendering', async () => {
    const ffmpegPath = '/nonexistent/ffmpeg';
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: '/nonexistent-base' });
    // A scene of only a title is valid since the scene model (a title scene); one with neither title nor text is not.
    for (const configuration of [{ quality: 'extreme' }, { theme: 'neon' }, { topic: '' }, { scenes: [{ title: '' }] }, { scenes: [{ layout: 'stat' }] }, { scenes: [{ layout: 'nope', text: 'x' }] }, { aspect: '4:3' }] as const) {
      const job = makeJob(configuration as never);
      const err = await integrator.run(job).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VidgenError);
      expect((err as VidgenError).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('safeProgressSink', () => {
  it('survives a throwing callback and counts the failures', () => {
    const errors: unknown[] = [];
    const sink = safeProgressSink(() => {
      throw new Error('boom');
    }, { onCallbackError: (e) => errors.push(e), minIntervalMs: 0 });
    expect(() => sink('planning', 0)).not.toThrow();
    expect(() => sink('planning', 100)).not.toThrow();
    expect(errors).toHaveLength(2);
  });

  it('never awaits a returned promise and counts a rejected one', async () => {
    const errors: unknown[] = [];
    const calls: number[] = [];
    const sink = safeProgressSink(
      (_s, pct) => {
        calls.push(pct);
        return pct === 50 ? Promise.reject(new Error('late')) : new Promise(() => {});
      },
      { onCallbackError: (e) => errors.push(e), minIntervalMs: 0 },
    );
    expect(sink('rendering_scenes', 0)).toBeUndefined();
    sink('rendering_scenes', 50);
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([0, 50]);
    expect(errors).toHaveLength(1);
  });

  it('clamps, drops repeats and throttles by an injected clock, always passing 0 and 100', () => {
    const seen: Array<[string, number]> = [];
    let now = 0;
    const sink = safeProgressSink((s, p) => void seen.push([s, p]), { minIntervalMs: 100, now: () => now });
    sink('rendering_scenes', -5);
    sink('rendering_scenes', 10);
    now = 150;
    sink('rendering_scenes', 20);
    sink('rendering_scenes', 100);
    sink('rendering_scenes', 100);
    sink('combining', 250);
    expect(seen).toEqual([
      ['rendering_scenes', 0],
      ['rendering_scenes', 20],
      ['rendering_scenes', 100],
      ['combining', 100],
    ]);
  });
});
