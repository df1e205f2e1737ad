import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Parses `ffprobe -show_entries frame=best_effort_timestamp_time -of csv=p=0` output into sorted, distinct times. */
export function parseKeyframeTimes(csv: string): number[] {
  const times = csv
    .split(/\r?\n/)
    .map((l) => Number.parseFloat(l.split(',')[0] ?? ''))
    .filter((t) => Number.isFinite(t) && t >= 0);
  return [...new Set(times.map((t) => Math.round(t * 1000) / 1000))].sort((a, b) => a - b);
}

/** The presentation times of the video's keyframes (ffprobe reads only the keyframes). */
export async function keyframeTimes(ffprobePath: string, file: string): Promise<number[]> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file], { maxBuffer: 16 * 1024 * 1024 });
  return parseKeyframeTimes(stdout);
}
