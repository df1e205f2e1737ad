import { VidgenError, type Logger, silentLogger } from '@vidgen/core';
import type { Writable } from 'node:stream';
import { runTool } from './tool';

export interface FfmpegProgress {
  /** Seconds of output written so far. */
  outTimeSeconds: number;
  frame: number;
  /** 0..100 against the expected duration, when one was given. */
  percentage: number | null;
  done: boolean;
}

export interface RunFfmpegOptions {
  ffmpegPath: string;
  args: readonly string[];
  /** Expected output duration, for percentages from ffmpeg's own -progress output. */
  expectedDurationSeconds?: number;
  onProgress?: (progress: FfmpegProgress) => void;
  signal?: AbortSignal;
  logger?: Logger;
  cwd?: string;
  /** How much of stderr to keep for error reports. */
  stderrTailBytes?: number;
  /** ffmpeg reads stdin (`-i pipe:0`): the pipe, once ffmpeg has started; see RunToolOptions.onStdin. */
  onStdin?: (stdin: Writable, pid: number) => void;
}

export interface RunFfmpegResult {
  stderrTail: string;
  durationMs: number;
}

/** Parses ffmpeg `-progress` key=value blocks; pure, for unit tests. */
export function parseProgressBlock(lines: readonly string[], expectedDurationSeconds?: number): FfmpegProgress | null {
  const kv = new Map<string, string>();
  for (const line of lines) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  if (!kv.has('progress')) return null;
  // ffmpeg 4.x writes microseconds under out_time_ms too; out_time_us is the unambiguous one.
  const us = Number(kv.get('out_time_us') ?? kv.get('out_time_ms') ?? 'NaN');
  const outTimeSeconds = Number.isFinite(us) && us > 0 ? us / 1e6 : 0;
  const frame = Number(kv.get('frame') ?? 0) || 0;
  const done = kv.get('progress') === 'end';
  let percentage: number | null = null;
  if (expectedDurationSeconds && expectedDurationSeconds > 0) {
    percentage = done ? 100 : Math.min(100, Math.max(0, (outTimeSeconds / expectedDurationSeconds) * 100));
  }
  return { outTimeSeconds, frame, percentage, done };
}

/**
 * Runs ffmpeg with an argument array (never a shell) in its own process group,
 * so an abort kills it and anything it spawned. Progress comes from ffmpeg's
 * `-progress pipe:1` output; failures become RENDER_FAILED with the stderr tail.
 */
export async function runFfmpeg(options: RunFfmpegOptions): Promise<RunFfmpegResult> {
  const { ffmpegPath, args, expectedDurationSeconds, onProgress, signal, logger = silentLogger, cwd, stderrTailBytes = 4096, onStdin } = options;
  // -nostdin stops ffmpeg's interactive keys; it does not stop `-i pipe:0`.
  const fullArgs = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'warning', '-progress', 'pipe:1', '-nostats', ...args];
  if (signal?.aborted) throw new VidgenError('JOB_CANCELLED', { message: 'Aborted before ffmpeg started.' });
  let block: string[] = [];
  const run = await runTool({
    path: ffmpegPath,
    args: fullArgs,
    signal,
    cwd,
    stderrTailBytes,
    onStdin,
    onStdoutLine: (line) => {
      block.push(line);
      if (!line.startsWith('progress=')) return;
      const p = parseProgressBlock(block, expectedDurationSeconds);
      block = [];
      if (p && onProgress) {
        try {
          onProgress(p);
        } catch (err) {
          logger.warn('ffmpeg progress listener threw', { err });
        }
      }
    },
  });
  if (run.outcome === 'spawn_error') {
    throw new VidgenError('RENDER_FAILED', { message: `ffmpeg could not start: ${run.error.message}`, cause: run.error, details: { ffmpeg_path: ffmpegPath } });
  }
  if (run.outcome !== 'exited') throw new VidgenError('JOB_CANCELLED', { message: 'ffmpeg was stopped because the job was aborted.' });
  if (run.code === 0) return { stderrTail: run.stderrTail, durationMs: run.durationMs };
  logger.warn('ffmpeg failed', { exit_code: run.code, signal: run.signal, stderr_tail: run.stderrTail.slice(-1000) });
  throw new VidgenError('RENDER_FAILED', {
    message: `ffmpeg exited with ${run.code === null ? `signal ${run.signal}` : `code ${run.code}`}`,
    details: { exit_code: run.code, signal: run.signal, stderr_tail: run.stderrTail.slice(-1000) },
  });
}
