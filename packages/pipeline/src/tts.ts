import { execFile } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { VidgenError } from '@vidgen/core';
import { wavDurationSeconds } from './wav';

/** Text-to-speech behind a small interface so another engine can replace espeak-ng. */
export interface SpeechSynthesizer {
  /** Speaks the text in `textFile` into `wavFile`; resolves with the speech length in seconds. */
  synthesize(options: { textFile: string; wavFile: string; signal?: AbortSignal }): Promise<number>;
}

export interface EspeakOptions {
  espeakPath?: string;
  voice?: string;
  /** Words per minute (espeak-ng -s). */
  wordsPerMinute?: number;
  timeoutMs?: number;
}

/** Whether espeak-ng can run here; the worker reports it in /health/ready. */
export function ttsAvailable(options: Pick<EspeakOptions, 'espeakPath'> = {}): Promise<boolean> {
  const { espeakPath = 'espeak-ng' } = options;
  return new Promise((resolve) => {
    execFile(espeakPath, ['--version'], { timeout: 5000 }, (err) => resolve(!err));
  });
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

/** espeak-ng via an argument array; the text only ever travels through a file (-f). */
export function espeakSynthesizer(options: EspeakOptions = {}): SpeechSynthesizer {
  const { espeakPath = 'espeak-ng', voice = 'en', wordsPerMinute = 160, timeoutMs = 60000 } = options;
  return {
    async synthesize({ textFile, wavFile, signal }) {
      await new Promise<void>((resolve, reject) => {
        execFile(espeakPath, ['-v', voice, '-s', String(wordsPerMinute), '-w', wavFile, '-f', textFile], { timeout: timeoutMs, signal }, (err, _out, stderr) => {
          if (!err) return resolve();
          if (signal?.aborted) return reject(new VidgenError('JOB_CANCELLED'));
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return reject(new VidgenError('TTS_UNAVAILABLE', { cause: err }));
          reject(new VidgenError('RENDER_FAILED', { message: `espeak-ng failed: ${String(stderr || err.message).slice(0, 300)}`, cause: err }));
        });
      });
      return readWavDuration(wavFile);
    },
  };
}
