import { spawn } from 'node:child_process';
import { VidgenError, type Logger, silentLogger } from '@vidgen/core';

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

/** SIGKILLs a child started with `detached: true` and everything in its process group (the child alone if the group is gone). */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Runs ffmpeg with an argument array (never a shell) in its own process group,
 * so an abort kills it and anything it spawned. Progress comes from ffmpeg's
 * `-progress pipe:1` output; failures become RENDER_FAILED with the stderr tail.
 */
export function runFfmpeg(options: RunFfmpegOptions): Promise<RunFfmpegResult> {
  const { ffmpegPath, args, expectedDurationSeconds, onProgress, signal, logger = silentLogger, cwd, stderrTailBytes = 4096 } = options;
  const fullArgs = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'warning', '-progress', 'pipe:1', '-nostats', ...args];
  const started = Date.now();

  return new Promise<RunFfmpegResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new VidgenError('JOB_CANCELLED', { message: 'Aborted before ffmpeg started.' }));
      return;
    }
    const child = spawn(ffmpegPath, fullArgs, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let block: string[] = [];
    let pending = '';
    let settled = false;

    const onAbort = () => killGroup(child.pid);
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        block.push(line);
        if (line.startsWith('progress=')) {
          const p = parseProgressBlock(block, expectedDurationSeconds);
          block = [];
          if (p && onProgress) {
            try {
              onProgress(p);
            } catch (err) {
              logger.warn('ffmpeg progress listener threw', { err });
            }
          }
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-stderrTailBytes);
    });

    const finish = (err: Error | null) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve({ stderrTail: stderr, durationMs: Date.now() - started });
    };

    child.on('error', (err) =>
      finish(new VidgenError('RENDER_FAILED', { message: `ffmpeg could not start: ${err.message}`, cause: err, details: { ffmpeg_path: ffmpegPath } })),
    );
    child.on('close', (code, sig) => {
      if (signal?.aborted) {
        finish(new VidgenError('JOB_CANCELLED', { message: 'ffmpeg was stopped because the job was aborted.' }));
      } else if (code === 0) {
        finish(null);
      } else {
        logger.warn('ffmpeg failed', { exit_code: code, signal: sig, stderr_tail: stderr.slice(-1000) });
        finish(
          new VidgenError('RENDER_FAILED', {
            message: `ffmpeg exited with ${code === null ? `signal ${sig}` : `code ${code}`}`,
            details: { exit_code: code, signal: sig, stderr_tail: stderr.slice(-1000) },
          }),
        );
      }
    });
  });
}
