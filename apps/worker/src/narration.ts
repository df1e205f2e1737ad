import os from 'node:os';
import { VidgenError, isVidgenError, type Logger } from '@vidgen/core';
import { createSynthesizer, ttsAvailable, workerVoices, type SpeechSynthesizer, type TtsEngine, type VoiceOffer } from '@vidgen/pipeline';
import { startVoiceHeartbeat, type VoiceHeartbeat } from '@vidgen/queue';
import type { Redis } from 'ioredis';

/** What this worker narrates with, found once at boot. */
export interface WorkerNarration {
  /** TTS_ENGINE, or the best installed engine. */
  engine: TtsEngine;
  /** The voice a job that names none gets: the engine's first voice (Festival: the HTS voice). */
  defaultVoice: string;
  /** Every voice of every installed engine: what this worker announces. */
  voices: VoiceOffer[];
  /** The synthesizer of one of `voices` (the default voice when none is named); TTS_UNAVAILABLE for another. */
  synthesizerFor(voice?: string): SpeechSynthesizer;
  /** Whether the chosen engine still runs (its binary answers --version): readiness and the per-job check. */
  runs(): Promise<boolean>;
}

export interface NarrationSetup {
  /** TTS_ENGINE: the engine to use; it must be installed. Unset: the best installed. */
  engine?: TtsEngine;
  /** TTS_SENTENCE_TIMEOUT_MS. */
  sentenceTimeoutMs: number;
}

/**
 * Detects the engines and voices installed here (each engine asked once,
 * in parallel: Festival lists its voices in about a second). The outcome is
 * either the worker's narration or the reason it has none (TTS_ENGINE names
 * an engine that is not installed, or no engine is), which readiness reports.
 */
export async function detectNarration(setup: NarrationSetup): Promise<{ narration: WorkerNarration } | { unavailable: VidgenError }> {
  const { engine: requested, sentenceTimeoutMs } = setup;
  let found: Awaited<ReturnType<typeof workerVoices>>;
  try {
    found = await workerVoices({ engine: requested, sentenceTimeoutMs });
  } catch (err) {
    if (isVidgenError(err) && err.code === 'TTS_UNAVAILABLE') return { unavailable: err };
    throw err;
  }
  const { engine, defaultVoice, voices } = found;
  const offered = new Set(voices.map((v) => v.id));
  return {
    narration: {
      engine,
      defaultVoice,
      voices,
      synthesizerFor(voice = defaultVoice) {
        if (!offered.has(voice)) throw new VidgenError('TTS_UNAVAILABLE', { message: `The voice ${voice} is not installed on this worker.`, details: { voice, installed: [...offered] } });
        return createSynthesizer(voice, { sentenceTimeoutMs });
      },
      runs: () => ttsAvailable({ engine }),
    },
  };
}

/**
 * The id this worker announces its voices under: unique per process across
 * machines (containers all run as pid 1, so the host name comes first).
 */
export function voiceWorkerId(ownerName: string): string {
  return `${os.hostname()}:${ownerName}`;
}

/** Announces the worker's voices in Redis until stop() (GET /api/v1/capabilities lists them). */
export function announceVoices(options: { redis: Redis; prefix: string; workerId: string; narration: WorkerNarration; logger: Logger; ttlMs?: number }): Promise<VoiceHeartbeat> {
  const { redis, prefix, workerId, narration, logger, ttlMs } = options;
  // The default voice first: listLiveVoices keeps the announced order within an engine.
  const voices = [...narration.voices].sort((a, b) => Number(b.id === narration.defaultVoice) - Number(a.id === narration.defaultVoice));
  return startVoiceHeartbeat({
    redis,
    prefix,
    workerId,
    engine: narration.engine,
    voices: voices.map(({ id, engine, name }) => ({ id, engine, name })),
    ttlMs,
    onError: (err) => logger.warn('voice announcement failed; retried on the next beat', { err }),
  });
}
