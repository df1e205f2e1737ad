import { readFile, rm, writeFile } from 'node:fs/promises';
import { runTool } from '@vidgen/ffmpeg';
import { badOutput, engineFailure } from './failure';
import { splitSentences, spreadWords } from './sentences';
import type { SentenceTiming, SpeechSynthesizer, Synthesis, TtsEngine, WordTiming } from './types';
import { buildWav, concatWavs, parseWav, soundBounds, type PcmWav } from './wav-pcm';

export interface SentenceEngineOptions {
  /** The binary (default: the engine's name on PATH). */
  path?: string;
  /** The engine's own voice name (flite -voice, espeak-ng -v). */
  voice?: string;
  /** A sentence that takes longer is killed: TTS_FAILED with its index. */
  sentenceTimeoutMs?: number;
}

export interface EspeakOptions extends SentenceEngineOptions {
  /** Words per minute (espeak-ng -s). */
  wordsPerMinute?: number;
}

/** What differs between engines that only speak a file into a WAV. */
interface SentenceEngine {
  engine: TtsEngine;
  path: string;
  voice: string;
  sentenceTimeoutMs: number;
  args(textFile: string, wavFile: string): string[];
}

/** espeak-ng, argument array only; the text travels through a file (-f). */
export function espeakArgs(options: { voice: string; wordsPerMinute: number; textFile: string; wavFile: string }): string[] {
  return ['-v', options.voice, '-s', String(options.wordsPerMinute), '-w', options.wavFile, '-f', options.textFile];
}

/** flite, argument array only; the text travels through a file (-f). */
export function fliteArgs(options: { voice: string; textFile: string; wavFile: string }): string[] {
  return ['-voice', options.voice, '-f', options.textFile, '-o', options.wavFile];
}

export function espeakSynthesizer(options: EspeakOptions = {}): SpeechSynthesizer {
  const { path = 'espeak-ng', voice = 'en-us', wordsPerMinute = 160, sentenceTimeoutMs = 30000 } = options;
  return sentenceSynthesizer({ engine: 'espeak', path, voice, sentenceTimeoutMs, args: (textFile, wavFile) => espeakArgs({ voice, wordsPerMinute, textFile, wavFile }) });
}

export function fliteSynthesizer(options: SentenceEngineOptions = {}): SpeechSynthesizer {
  const { path = 'flite', voice = 'slt', sentenceTimeoutMs = 30000 } = options;
  return sentenceSynthesizer({ engine: 'flite', path, voice, sentenceTimeoutMs, args: (textFile, wavFile) => fliteArgs({ voice, textFile, wavFile }) });
}

/**
 * Engines without word events: each sentence is synthesized on its own, so
 * its start and end in the joined WAV are exact (the boundaries the timing
 * needs); the words inside are spread by length. Sentences run one after the
 * other: the engines are single-threaded and the orchestrator already runs
 * scenes in parallel.
 */
function sentenceSynthesizer(spec: SentenceEngine): SpeechSynthesizer {
  const { engine, path, voice, sentenceTimeoutMs } = spec;
  return {
    engine,
    voice: `${engine}:${voice}`,
    async synthesize({ textFile, wavFile, signal }): Promise<Synthesis> {
      const sentences = splitSentences(await readFile(textFile, 'utf8'));
      const parts: PcmWav[] = [];
      const scratch: string[] = [];
      try {
        for (const [i, sentence] of sentences.entries()) {
          const partText = `${wavFile}.${i}.txt`;
          const partWav = `${wavFile}.${i}.wav`;
          scratch.push(partText, partWav);
          await writeFile(partText, sentence);
          const run = await runTool({ path, args: spec.args(partText, partWav), signal, timeoutMs: sentenceTimeoutMs });
          const failure = engineFailure(run, { engine, sentence: i, timeoutMs: sentenceTimeoutMs });
          if (failure) throw failure;
          try {
            parts.push(parseWav(await readFile(partWav)));
          } catch (err) {
            throw badOutput(engine, i, err);
          }
        }
      } finally {
        await Promise.all(scratch.map((f) => rm(f, { force: true })));
      }
      if (parts.length === 0) {
        await writeFile(wavFile, buildWav({ audioFormat: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 }, Buffer.alloc(0)));
        return { wavFile, durationSeconds: 0, words: [], sentences: [], timing: 'sentence' };
      }
      const { wav, spans } = concatWavs(parts);
      await writeFile(wavFile, wav);
      const timings: SentenceTiming[] = [];
      const words: WordTiming[] = [];
      spans.forEach(([partStart], index) => {
        // The engine pads each sentence with silence: the words share the span that sounds.
        const [on, off] = soundBounds(parts[index]!);
        const text = sentences[index]!;
        timings.push({ index, text, startSeconds: partStart + on, endSeconds: partStart + off });
        words.push(...spreadWords(text, partStart + on, partStart + off));
      });
      return { wavFile, durationSeconds: spans[spans.length - 1]![1], words, sentences: timings, timing: 'sentence' };
    },
  };
}
