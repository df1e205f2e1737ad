import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PipelineIntegrator } from '../src';
import { exec, ffmpegPath, ffprobePath, makeJob, streamsOf } from './helpers';

describe('narration on the frame renderer', () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'vidgen-narration-test-'));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('speaks each scene’s visible text, stretches scenes to their speech and muxes one track as long as the video', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base, progressMinIntervalMs: 0 });
    const progress: number[] = [];
    const result = await integrator.run(
      makeJob({
        quality: 'low',
        narration: true,
        scenes: [
          { layout: 'text', title: 'Narrated', text: 'Narration makes this one second scene considerably longer than planned.', duration_seconds: 1, animation: 'none' },
          { layout: 'stat', title: 'Share', value: 42, suffix: '%', duration_seconds: 2, animation: 'none' },
        ],
      }),
      { onProgress: (stage, pct) => void (stage === 'rendering_scenes' && progress.push(pct)) },
    );
    try {
      expect(result.scenes.map((s) => s.narrated)).toEqual([true, true]);
      // Speech reports its share of the stage (scene by scene) before the units report theirs; never backwards.
      expect(progress.some((p) => p > 0 && p <= 15)).toBe(true);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(result.scenes[0]!.durationSeconds).toBeGreaterThan(2);
      // The spoken text is the scene's visible text, flattened.
      expect(await readFile(path.join(result.scratchDir, 'narration-001.txt'), 'utf8')).toBe('Share.\n42%.');
      const streams = await streamsOf(ffprobePath, result.videoPath);
      expect(streams.map(([name, type]) => [name, type])).toEqual([
        ['h264', 'video'],
        ['aac', 'audio'],
      ]);
      const video = streams[0]![2];
      const audio = streams[1]![2];
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

  /**
   * A stand-in `festival` (as the engine runs it: text and WAV paths in VG_TEXT and VG_OUT): for text containing HANG it
   * says one sentence and hangs (with a child); otherwise it says one sentence, writes `wav` with
   * ffmpeg (a tone, or silence for text containing SILENT) and exits.
   */
  async function fakeFestival(name: string): Promise<string> {
    const script = path.join(base, `${name}.sh`);
    const source = (what: string) => `"${ffmpegPath}" -v error -y -f lavfi -i ${what} -t 0.7 -c:a pcm_s16le "$VG_OUT"`;
    await writeFile(
      script,
      [
        '#!/bin/sh',
        'echo "T 0.1 0.5 Said."',
        'echo "U 0.7"',
        `if grep -q HANG "$VG_TEXT"; then sleep 30 & echo $! > "${path.join(base, 'hang.pid')}"; wait; exit 0; fi`,
        `if grep -q SILENT "$VG_TEXT"; then ${source('anullsrc=r=16000:cl=mono')}; else ${source('sine=frequency=300:sample_rate=16000')}; fi`,
        '',
      ].join('\n'),
    );
    await chmod(script, 0o755);
    return script;
  }

  it('a synthesizer hung on a sentence is killed after TTS_SENTENCE_TIMEOUT_MS: retryable TTS_FAILED naming the scene and the sentence, nothing left behind', async () => {
    const fake = await fakeFestival('hanging-festival');
    const own = await mkdtemp(path.join(base, 'hang-'));
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: own, tts: { paths: { festival: fake }, sentenceTimeoutMs: 2000 } });
    const job = makeJob({ narration: true, scenes: [{ text: 'This scene is fine.', duration_seconds: 1 }, { text: 'Fine. This one will HANG.', duration_seconds: 1 }] });
    const err = await integrator.run({ ...job, configuration: { ...job.configuration, voice: 'festival:cmu_us_slt_arctic_hts' } as typeof job.configuration }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TTS_FAILED', retryable: true, details: { engine: 'festival', scene: 1, sentence: 1, reason: 'timeout' } });
    expect(await readdir(own)).toEqual([]);
    // The engine's child went with it (its process group was killed).
    const pid = Number(await readFile(path.join(base, 'hang.pid'), 'utf8'));
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    // Gone, or a zombie waiting for init to reap it: not running either way.
    expect(stat === null || stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z').toBe(true);
  });

  it('a narration that comes out silent fails the job (TTS_FAILED), never a silent video labelled narrated', async () => {
    const fake = await fakeFestival('silent-festival');
    const own = await mkdtemp(path.join(base, 'silent-'));
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: own, tts: { paths: { festival: fake } } });
    const job = makeJob({ narration: true, scenes: [{ text: 'SILENT please.', duration_seconds: 1 }] });
    const err = await integrator.run({ ...job, configuration: { ...job.configuration, voice: 'festival:cmu_us_slt_arctic_hts' } as typeof job.configuration }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TTS_FAILED', retryable: true, details: { reason: 'silent' } });
    expect(await readdir(own)).toEqual([]);
  });

  it('honours configuration.voice: another engine’s voice narrates (flite, timed per sentence)', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    const job = makeJob({ narration: true, subtitles: true, scenes: [{ text: 'Flite speaks here. Then it stops.', duration_seconds: 1, animation: 'none' }] });
    const result = await integrator.run({ ...job, configuration: { ...job.configuration, voice: 'flite:slt' } as typeof job.configuration });
    try {
      expect(result.narration).toMatchObject({ voice: 'flite:slt', timing: 'sentence' });
      expect(result.captions!.map((c) => c.text)).toEqual(['Flite speaks here.', 'Then it stops.']);
    } finally {
      await result.cleanup();
    }
  });

  it('captions "burned": the spoken line is drawn in the video, the word being spoken highlighted as the voice moves on', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    const job = makeJob({ narration: true, scenes: [{ text: 'Seven bright words travel along the line.', duration_seconds: 1, animation: 'none' }] });
    const result = await integrator.run({ ...job, configuration: { ...job.configuration, captions: 'burned' } as typeof job.configuration });
    try {
      const { plan } = result;
      const caption = plan.captions![0]!;
      const words = caption.lines.flat();
      expect(words.map((w) => w.text).join(' ')).toBe('Seven bright words travel along the line.');
      /** x of the highlighted (amber) pixels' centre at global frame n, or null when there are none. */
      const amberX = async (n: number): Promise<number | null> => {
        const { stdout } = await exec(ffmpegPath, ['-v', 'error', '-ss', ((n + 0.5) / plan.fps).toFixed(4), '-i', result.videoPath, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], 'buffer');
        const rgb = stdout as Buffer;
        let sum = 0;
        let count = 0;
        for (let y = Math.floor(plan.height * 0.7); y < plan.height; y++) {
          for (let x = 0; x < plan.width; x++) {
            const o = (y * plan.width + x) * 3;
            if (rgb[o]! > 200 && rgb[o + 1]! > 170 && rgb[o + 2]! < 130) {
              sum += x;
              count += 1;
            }
          }
        }
        return count > 30 ? sum / count : null;
      };
      expect(await amberX(Math.max(0, caption.startFrame - 2))).toBeNull();
      const first = await amberX(words[0]!.startFrame);
      const later = await amberX(words[4]!.startFrame);
      const last = await amberX(words[words.length - 1]!.startFrame);
      expect(first).not.toBeNull();
      expect(later!).toBeGreaterThan(first! + 20);
      expect(last!).toBeGreaterThan(later! + 20);
    } finally {
      await result.cleanup();
    }
  });
});
