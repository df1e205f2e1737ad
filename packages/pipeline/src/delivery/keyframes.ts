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

/** The presentation times of the video's keyframes (ffprobe reads only the keyframes). */
export async function keyframeTimes(ffprobePath: string, file: string, options: KeyframeScanOptions = {}): Promise<number[]> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=best_effort_timestamp_time', '-of', 'csv=p=0', file];
  return parseKeyframeTimes(await runProbe(ffprobePath, args, 'keyframe scan', options));
}

/** A segment's video packets as ffprobe lists them (in file order): where each starts and whether it is a keyframe. */
export interface SegmentPacket {
  ptsSeconds: number;
  /** Byte offset of the TS packet where the frame's PES starts. */
  pos: number;
  key: boolean;
}

/** Parses `ffprobe -show_entries packet=pts_time,pos,flags -of json`. Pure. */
export function parseSegmentPackets(json: string): SegmentPacket[] {
  const parsed = JSON.parse(json) as { packets?: Array<{ pts_time?: string; pos?: string; flags?: string }> };
  return (parsed.packets ?? []).map((p) => ({ ptsSeconds: Number(p.pts_time), pos: Number(p.pos), key: (p.flags ?? '').includes('K') }));
}

/** The video packets of one segment file (ffprobe reads packets, decodes nothing). */
export async function segmentVideoPackets(ffprobePath: string, file: string, options: KeyframeScanOptions = {}): Promise<SegmentPacket[]> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,pos,flags', '-of', 'json', file];
  return parseSegmentPackets(await runProbe(ffprobePath, args, 'segment scan', options));
}

/** ffprobe's codec facts of a file's streams: what a variant's CODECS attribute is made from. */
export async function streamCodecs(ffprobePath: string, file: string, options: KeyframeScanOptions = {}): Promise<Array<{ codecType: string; codecName: string; profile?: string; level?: number }>> {
  const args = ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,profile,level', '-of', 'json', file];
  const parsed = JSON.parse(await runProbe(ffprobePath, args, 'codec probe', options)) as { streams?: Array<{ codec_type?: string; codec_name?: string; profile?: string; level?: number }> };
  return (parsed.streams ?? []).map((s) => ({ codecType: s.codec_type ?? '', codecName: s.codec_name ?? '', profile: s.profile, level: s.level }));
}

/**
 * ffprobe through runTool, in its own process group, so an abort or the time
 * limit kills it and anything it started; the promise settles once the
 * process is gone. Its stdout, or the failure as a VidgenError.
 */
async function runProbe(ffprobePath: string, args: string[], what: string, options: KeyframeScanOptions): Promise<string> {
  const { signal, timeoutMs = KEYFRAME_SCAN_TIMEOUT_MS } = options;
  if (signal?.aborted) throw new VidgenError('JOB_CANCELLED', { message: `Aborted before the ${what} started.` });
  const run = await runTool({ path: ffprobePath, args, signal, timeoutMs, stderrTailBytes: 2048, maxStdoutBytes: MAX_OUTPUT_BYTES });
  switch (run.outcome) {
    case 'exited':
      if (run.code === 0) return run.stdout;
      throw new VidgenError('RENDER_FAILED', {
        message: `The ${what} (ffprobe) exited with ${run.code === null ? `signal ${run.signal}` : `code ${run.code}`}: ${run.stderrTail.trim().slice(-300)}`,
        details: { exit_code: run.code, signal: run.signal, stderr_tail: run.stderrTail.slice(-500) },
      });
    case 'aborted':
      throw new VidgenError('JOB_CANCELLED', { message: `The ${what} was stopped because the job was aborted.` });
    case 'timeout':
      throw new VidgenError('RENDER_FAILED', { message: `The ${what} (ffprobe) took longer than ${timeoutMs} ms and was stopped.`, details: { timeout_ms: timeoutMs, stderr_tail: run.stderrTail.slice(-500) } });
    case 'overflow':
      throw new VidgenError('RENDER_FAILED', { message: `The ${what} (ffprobe) wrote more than ${MAX_OUTPUT_BYTES} bytes and was stopped.` });
    case 'spawn_error': {
      // A missing binary is the operator's FFPROBE_PATH (as classifyError says).
      const code = run.error.code === 'ENOENT' ? 'RENDER_TOOL_UNAVAILABLE' : 'RENDER_FAILED';
      throw new VidgenError(code, { message: `ffprobe could not start for the ${what}: ${run.error.message}`, cause: run.error, details: { ffprobe_path: ffprobePath } });
    }
  }
}
