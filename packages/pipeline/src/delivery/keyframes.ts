import { VidgenError } from '@vidgen/core';
import { runTool } from '@vidgen/ffmpeg';

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

/**
 * The presentation times of the video's keyframes (ffprobe reads only the
 * keyframes). ffprobe runs through runTool, in its own process group, so an
 * abort or the time limit kills it and anything it started; the promise
 * settles once the process is gone.
 */
export async function keyframeTimes(ffprobePath: string, file: string, options: KeyframeScanOptions = {}): Promise<number[]> {
  const { signal, timeoutMs = KEYFRAME_SCAN_TIMEOUT_MS } = options;
  if (signal?.aborted) throw new VidgenError('JOB_CANCELLED', { message: 'Aborted before the keyframe scan started.' });
  const args = ['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file];
  const run = await runTool({ path: ffprobePath, args, signal, timeoutMs, stderrTailBytes: 2048, maxStdoutBytes: MAX_OUTPUT_BYTES });
  switch (run.outcome) {
    case 'exited':
      if (run.code === 0) return parseKeyframeTimes(run.stdout);
      throw new VidgenError('RENDER_FAILED', {
        message: `The keyframe scan (ffprobe) exited with ${run.code === null ? `signal ${run.signal}` : `code ${run.code}`}: ${run.stderrTail.trim().slice(-300)}`,
        details: { exit_code: run.code, signal: run.signal, stderr_tail: run.stderrTail.slice(-500) },
      });
    case 'aborted':
      throw new VidgenError('JOB_CANCELLED', { message: 'The keyframe scan was stopped because the job was aborted.' });
    case 'timeout':
      throw new VidgenError('RENDER_FAILED', { message: `The keyframe scan (ffprobe) took longer than ${timeoutMs} ms and was stopped.`, details: { timeout_ms: timeoutMs, stderr_tail: run.stderrTail.slice(-500) } });
    case 'overflow':
      throw new VidgenError('RENDER_FAILED', { message: `The keyframe scan (ffprobe) wrote more than ${MAX_OUTPUT_BYTES} bytes and was stopped.` });
    case 'spawn_error': {
      // A missing binary is the operator's FFPROBE_PATH (as classifyError says).
      const code = run.error.code === 'ENOENT' ? 'RENDER_TOOL_UNAVAILABLE' : 'RENDER_FAILED';
      throw new VidgenError(code, { message: `ffprobe could not start for the keyframe scan: ${run.error.message}`, cause: run.error, details: { ffprobe_path: ffprobePath } });
    }
  }
}
