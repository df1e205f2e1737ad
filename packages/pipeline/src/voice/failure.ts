import { VidgenError } from '@vidgen/core';
import type { ToolRun } from '@vidgen/ffmpeg';
import type { TtsEngine } from './types';

/**
 * Maps how an engine run ended into the error taxonomy: an abort is the
 * job's cancellation, a missing binary is TTS_UNAVAILABLE, and anything else
 * (a crash, a non-zero exit, the sentence time limit) is a retryable
 * TTS_FAILED naming the sentence. Returns null for a clean exit.
 */
export function engineFailure(run: ToolRun, context: { engine: TtsEngine; sentence: number; timeoutMs: number; timedOut?: boolean }): VidgenError | null {
  const { engine, sentence, timeoutMs, timedOut = false } = context;
  const details = { engine, sentence };
  if (timedOut || run.outcome === 'timeout') {
    return new VidgenError('TTS_FAILED', { message: `${engine} spoke nothing for ${timeoutMs} ms on sentence ${sentence} and was killed`, details: { ...details, reason: 'timeout' } });
  }
  if (run.outcome === 'aborted') return new VidgenError('JOB_CANCELLED');
  if (run.outcome === 'spawn_error') {
    if (run.error.code === 'ENOENT') return new VidgenError('TTS_UNAVAILABLE', { message: `${engine} is not installed on this worker`, cause: run.error });
    return new VidgenError('TTS_FAILED', { message: `${engine} could not start: ${run.error.message}`, details: { ...details, reason: 'spawn' }, cause: run.error });
  }
  if (run.outcome !== 'exited') return new VidgenError('TTS_FAILED', { message: `${engine} wrote too much output`, details: { ...details, reason: 'overflow' } });
  if (run.code !== 0) {
    const how = run.signal ? `was killed by ${run.signal}` : `exited with code ${run.code}`;
    return new VidgenError('TTS_FAILED', { message: `${engine} ${how} on sentence ${sentence}: ${run.stderrTail.trim().slice(-300)}`, details: { ...details, reason: 'exit' } });
  }
  return null;
}

export function badOutput(engine: TtsEngine, sentence: number, cause: unknown): VidgenError {
  return new VidgenError('TTS_FAILED', { message: `${engine} wrote no usable WAV for sentence ${sentence}`, details: { engine, sentence, reason: 'output' }, cause });
}
