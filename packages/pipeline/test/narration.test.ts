import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PipelineIntegrator } from '../src';
import { exec, ffmpegPath, ffprobePath, makeJob } from './helpers';

describe('narration on the frame renderer', () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'vidgen-narration-test-'));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('speaks each scene’s visible text, stretches scenes to their speech and muxes one track as long as the video', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    const result = await integrator.run(
      makeJob({
        quality: 'low',
        narration: true,
        scenes: [
          { layout: 'text', title: 'Narrated', text: 'Narration makes this one second scene considerably longer than planned.', duration_seconds: 1, animation: 'none' },
          { layout: 'stat', title: 'Share', value: 42, suffix: '%', duration_seconds: 2, animation: 'none' },
        ],
      }),
    );
    try {
      expect(result.scenes.map((s) => s.narrated)).toEqual([true, true]);
      expect(result.scenes[0]!.durationSeconds).toBeGreaterThan(2);
      // The spoken text is the scene's visible text, flattened.
      expect(await readFile(path.join(result.scratchDir, 'narration-001.txt'), 'utf8')).toBe('Share.\n42%.');
      const { stdout } = await exec(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,duration', '-of', 'csv=p=0', result.videoPath]);
      const streams = String(stdout).trim().split('\n').map((l) => l.split(','));
      expect(streams.map(([name, type]) => [name, type])).toEqual([
        ['h264', 'video'],
        ['aac', 'audio'],
      ]);
      const video = Number(streams[0]![2]);
      const audio = Number(streams[1]![2]);
      expect(video).toBeCloseTo(result.durationSeconds, 2);
      expect(Math.abs(audio - video)).toBeLessThan(0.05);
      // No per-clip audio: the units are video only.
      const units = (await readdir(result.scratchDir)).filter((f) => /^unit-\d+\.mp4$/.test(f));
      const { stdout: unitStreams } = await exec(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'csv=p=0', path.join(result.scratchDir, units[0]!)]);
      expect(String(unitStreams).trim()).toBe('video');
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
