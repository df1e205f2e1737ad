import { open, stat } from 'node:fs/promises';
import { engineRuns, type EngineSetup } from './voice/engines';
import { TTS_ENGINES, type TtsEngine } from './voice/types';
import { wavDurationSeconds } from './wav';

// The narration engines live in ./voice; this module keeps the names the pipeline has always imported.
export type { SpeechSynthesizer, Synthesis, SynthesizeOptions, WordTiming, SentenceTiming, TtsEngine } from './voice/types';
export { espeakSynthesizer, fliteSynthesizer, type EspeakOptions } from './voice/sentence-engines';
export { festivalSynthesizer } from './voice/festival';

/**
 * Whether a narration engine (the one named, or any) runs here; the worker
 * reports it in /health/ready, so it only asks for versions (workerVoices
 * lists the voices, once, at start). Stops at the first engine found.
 */
export async function ttsAvailable(options: EngineSetup & { engine?: TtsEngine } = {}): Promise<boolean> {
  for (const engine of options.engine ? [options.engine] : TTS_ENGINES) {
    if (await engineRuns(engine, options)) return true;
  }
  return false;
}

export async function readWavDuration(file: string): Promise<number> {
  const { size } = await stat(file);
  const handle = await open(file, 'r');
  try {
    const header = Buffer.alloc(Math.min(size, 4096));
    await handle.read(header, 0, header.length, 0);
    return wavDurationSeconds(header, size);
  } finally {
    await handle.close();
  }
}
