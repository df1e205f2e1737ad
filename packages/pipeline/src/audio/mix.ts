import { rm } from 'node:fs/promises';
import path from 'node:path';
import { VidgenError } from '@vidgen/core';
import { runTool } from '@vidgen/ffmpeg';
import {
  buildFinalMixArgs,
  buildPremixArgs,
  buildVoiceMeasureArgs,
  checkAudioPlan,
  finalGain,
  parseEbur128Summary,
  planSamples,
  SILENCE_LUFS,
  TARGET_LUFS,
  type AudioPlan,
  type LoudnessMeasurement,
} from './mix-args';

export interface MixAudioOptions {
  ffmpegPath: string;
  plan: AudioPlan;
  /** The track: WAV (pcm, default) or M4A (aac). */
  output: string;
  codec?: 'pcm' | 'aac';
  /** For the premix; removed afterwards. */
  scratchDir: string;
  signal?: AbortSignal;
  /** Test and debugging stems (see PremixOptions). */
  stems?: { music?: string; duckedMusic?: string };
}

export interface MixAudioResult {
  output: string;
  samples: number;
  /** What the premix measured before the final gain. */
  premixLoudness: LoudnessMeasurement;
  /** The final gain and whether the limiter was needed. */
  gainDb: number;
  limited: boolean;
  voiceGainDb: number;
  /** The voice bus before any gain (silence: -70 LUFS); without speech, silence. */
  voiceLoudness: LoudnessMeasurement;
}

/** Limited passes before the last: each corrects the gain by the loudness the limiter took. */
const LIMITER_PASSES = 3;

async function ffmpeg(ffmpegPath: string, args: string[], signal: AbortSignal | undefined, what: string): Promise<string> {
  const run = await runTool({ path: ffmpegPath, args, signal, stderrTailBytes: 32768 });
  if (run.outcome === 'spawn_error') throw new VidgenError('RENDER_TOOL_UNAVAILABLE', { message: `ffmpeg could not start: ${run.error.message}`, cause: run.error });
  if (run.outcome !== 'exited') throw new VidgenError('JOB_CANCELLED', { message: 'ffmpeg was stopped because the job was aborted.' });
  if (run.code !== 0) {
    throw new VidgenError('RENDER_FAILED', { message: `ffmpeg (${what}) exited with ${run.code === null ? `signal ${run.signal}` : `code ${run.code}`}`, details: { stderr_tail: run.stderrTail.slice(-1000) } });
  }
  return run.stderrTail;
}

function measured(stderr: string, what: string): LoudnessMeasurement {
  const m = parseEbur128Summary(stderr);
  if (!m) throw new VidgenError('RENDER_FAILED', { message: `ffmpeg printed no loudness measurement (${what})`, details: { stderr_tail: stderr.slice(-1000) } });
  return m;
}

/**
 * Builds the video's one audio track from the plan in three ffmpeg runs:
 * measure the voice bus (ebur128); premix voice (at the target loudness) and
 * the ducked music bed, measuring the premix on the way; apply one gain to
 * reach -16 LUFS integrated, limiting only if a peak would pass -2.5 dBFS, at
 * exactly the plan's length. Silence (no speech, no music) stays silence.
 */
export async function mixAudio(options: MixAudioOptions): Promise<MixAudioResult> {
  const { ffmpegPath, plan, output, codec, scratchDir, signal, stems } = options;
  checkAudioPlan(plan);
  const samples = planSamples(plan);
  let voiceGainDb = 0;
  let voiceLoudness: LoudnessMeasurement = { integratedLufs: SILENCE_LUFS, truePeakDb: -Infinity, lra: 0 };
  if (plan.speech.length > 0) {
    voiceLoudness = measured(await ffmpeg(ffmpegPath, buildVoiceMeasureArgs(plan), signal, 'voice measurement'), 'voice');
    if (voiceLoudness.integratedLufs > SILENCE_LUFS) voiceGainDb = TARGET_LUFS - voiceLoudness.integratedLufs;
  }
  const premix = path.join(scratchDir, `premix-${process.pid}-${Date.now()}.wav`);
  try {
    const premixLoudness = measured(await ffmpeg(ffmpegPath, buildPremixArgs({ plan, voiceGainDb, output: premix, stems }), signal, 'premix'), 'premix');
    let { gainDb, limit } = finalGain(premixLoudness);
    // A limiter that works hard takes loudness with the peaks: measure what it left and
    // correct the gain (the limiter keeps the peaks down), at most LIMITER_PASSES times.
    for (let pass = 1; limit && pass <= LIMITER_PASSES; pass += 1) {
      const after = measured(await ffmpeg(ffmpegPath, buildFinalMixArgs({ premix, gainDb, limit, samples, output, codec, measure: true }), signal, 'final mix'), 'final mix');
      const missing = TARGET_LUFS - after.integratedLufs;
      if (Math.abs(missing) <= 0.3) return { output, samples, premixLoudness, voiceGainDb, voiceLoudness, gainDb, limited: true };
      gainDb += missing;
    }
    await ffmpeg(ffmpegPath, buildFinalMixArgs({ premix, gainDb, limit, samples, output, codec }), signal, 'final mix');
    return { output, samples, premixLoudness, voiceGainDb, voiceLoudness, gainDb, limited: limit };
  } finally {
    await rm(premix, { force: true });
  }
}
