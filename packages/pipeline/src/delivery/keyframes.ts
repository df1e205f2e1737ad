import { spawn } from 'node:child_process';
import { VidgenError } from '@vidgen/core';
import { killGroup } from '@vidgen/ffmpeg';

/** Parses `ffprobe -show_entries frame=best_effort_timestamp_time -of csv=p=0` output into sorted, distinct times. */
export function parseKeyframeTimes(csv: string): number[] {
  const times = csv
    .split(/\r?\n/)
    .map((l) => Number.parseFloat(l.split(',')[0] ?? ''))
    .filter((t) => Number.isFinite(t) && t >= 0);
  return [...new Set(times.map((t) => Math.round(t * 1000) / 1000))].sort((a, b) => a - b);
}

export interface KeyframeScanOptions {
  /** The job's signal: an abort kills ffprobe (its whole process group) and rejects with JOB_CANCELLED. */
  signal?: AbortSignal;
  /** Time limit of the scan; past it ffprobe is killed and the scan fails as RENDER_FAILED. Default 120 s. */
  timeoutMs?: number;
}

export const KEYFRAME_SCAN_TIMEOUT_MS = 120_000;
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;
const STDERR_TAIL_BYTES = 2048;

/**
 * The presentation times of the video's keyframes (ffprobe reads only the
 * keyframes). Like runFfmpeg, ffprobe runs in its own process group (argument
 * array, no shell), so an abort or the time limit kills it and anything it
 * started; the promise settles once the process is gone.
 */
export function keyframeTimes(ffprobePath: string, file: string, options: KeyframeScanOptions = {}): Promise<number[]> {
  const { signal, timeoutMs = KEYFRAME_SCAN_TIMEOUT_MS } = options;
  const args = ['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file];

  return new Promise<number[]>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new VidgenError('JOB_CANCELLED', { message: 'Aborted before the keyframe scan started.' }));
      return;
    }
    const child = spawn(ffprobePath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let settled = false;
    let stopReason: 'timeout' | 'overflow' | null = null;

    const stop = (reason: typeof stopReason) => {
      stopReason ??= reason;
      killGroup(child.pid);
    };
    const onAbort = () => killGroup(child.pid);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stop('timeout'), timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > MAX_OUTPUT_BYTES) return stop('overflow');
      chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_BYTES);
    });

    const finish = (err: Error | null, times?: number[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(times!);
    };

    child.on('error', (err: NodeJS.ErrnoException) => {
      // Spawn failed (or the pipes broke): make sure nothing is left. A missing binary is the operator's FFPROBE_PATH (as classifyError says).
      killGroup(child.pid);
      const code = err.code === 'ENOENT' ? 'RENDER_TOOL_UNAVAILABLE' : 'RENDER_FAILED';
      finish(new VidgenError(code, { message: `ffprobe could not start for the keyframe scan: ${err.message}`, cause: err, details: { ffprobe_path: ffprobePath } }));
    });
    child.on('close', (code, sig) => {
      if (signal?.aborted) {
        finish(new VidgenError('JOB_CANCELLED', { message: 'The keyframe scan was stopped because the job was aborted.' }));
      } else if (stopReason === 'timeout') {
        finish(new VidgenError('RENDER_FAILED', { message: `The keyframe scan (ffprobe) took longer than ${timeoutMs} ms and was stopped.`, details: { timeout_ms: timeoutMs, stderr_tail: stderr.slice(-500) } }));
      } else if (stopReason === 'overflow') {
        finish(new VidgenError('RENDER_FAILED', { message: `The keyframe scan (ffprobe) wrote more than ${MAX_OUTPUT_BYTES} bytes and was stopped.` }));
      } else if (code === 0) {
        finish(null, parseKeyframeTimes(Buffer.concat(chunks).toString('utf8')));
      } else {
        finish(
          new VidgenError('RENDER_FAILED', {
            message: `The keyframe scan (ffprobe) exited with ${code === null ? `signal ${sig}` : `code ${code}`}: ${stderr.trim().slice(-300)}`,
            details: { exit_code: code, signal: sig, stderr_tail: stderr.slice(-500) },
          }),
        );
      }
    });
  });
}
