import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { VidgenError } from '@vidgen/core';
import { PipelineIntegrator, type SpeechSynthesizer } from '../src';
import { makeJob } from './helpers';

// The worker's backstop on rendered length (issue 13, item 4): after speech synthesis and before
// encoding. ffmpeg is a path that does not exist, so a job that got as far as encoding would fail
// with RENDER_TOOL_UNAVAILABLE instead: VIDEO_TOO_LONG proves nothing was encoded.

/** A synthesizer fake that reports `seconds` of speech per scene, one word long (it writes no audio: nothing may read it). */
function fakeSynthesizer(seconds: number): SpeechSynthesizer & { calls: number } {
  const fake = {
    engine: 'espeak' as const,
    voice: 'espeak:en',
    calls: 0,
    async synthesize({ wavFile }: { wavFile: string }) {
      fake.calls += 1;
      return { wavFile, durationSeconds: seconds, words: [{ text: 'x', startSeconds: 0, endSeconds: seconds }], sentences: [], timing: 'sentence' as const };
    },
  };
  return fake;
}

let base: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'vidgen-backstop-'));
});
afterEach(() => rm(base, { recursive: true, force: true }));

const narrated = makeJob({ narration: true, scenes: [{ text: 'Ninety-nine bottles.', duration_seconds: 2 }, { text: 'One more scene.', duration_seconds: 2 }] });

describe('the rendered-length backstop', () => {
  it('fails a job whose real speech overruns MAX_VIDEO_SECONDS with VIDEO_TOO_LONG, permanent, before encoding', async () => {
    const synthesizer = fakeSynthesizer(400); // two scenes of 400 s each: 801.2 s with the tails
    const integrator = new PipelineIntegrator({ ffmpegPath: '/nonexistent/ffmpeg', scratchBaseDir: base, synthesizer, ttsCheck: async () => true });
    const err = await integrator.run(narrated).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VidgenError);
    expect(err).toMatchObject({ code: 'VIDEO_TOO_LONG', retryable: false, category: 'validation' });
    expect((err as VidgenError).details).toEqual({ duration_seconds: 801.2, limit_seconds: 600, longest_scene_seconds: 400.6 });
    expect(synthesizer.calls).toBe(2);
    expect(await readdir(base)).toEqual([]); // the scratch dir is gone
  });

  it('uses the configured limit (MAX_VIDEO_SECONDS)', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath: '/nonexistent/ffmpeg', scratchBaseDir: base, synthesizer: fakeSynthesizer(20), ttsCheck: async () => true, maxVideoSeconds: 30 });
    const err = await integrator.run(narrated).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VIDEO_TOO_LONG', details: { limit_seconds: 30 } });
  });

  it('lets speech within the limit through to encoding (which then fails here on the missing ffmpeg)', async () => {
    const integrator = new PipelineIntegrator({ ffmpegPath: '/nonexistent/ffmpeg', scratchBaseDir: base, synthesizer: fakeSynthesizer(5), ttsCheck: async () => true });
    const err = await integrator.run(narrated).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VidgenError);
    expect((err as VidgenError).code).not.toBe('VIDEO_TOO_LONG');
  });
});
