import { VidgenError } from '@vidgen/core';
import { parseProbeOutput, runTool, type ProbeResult } from '@vidgen/ffmpeg';

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

/**
 * Parses `ffprobe -show_entries packet=stream_index,pts_time,pos,flags[:stream=…] -of json`: the
 * video packets (those of the first video stream the answer lists; all of them when it lists no
 * streams, as with -select_streams v:0). Pure.
 */
export function parseSegmentPackets(json: string): SegmentPacket[] {
  const parsed = JSON.parse(json) as { packets?: Array<{ stream_index?: number; pts_time?: string; pos?: string; flags?: string }>; streams?: Array<{ index?: number; codec_type?: string }> };
  const video = parsed.streams?.find((s) => s.codec_type === 'video')?.index;
  return (parsed.packets ?? []).filter((p) => video === undefined || p.stream_index === video).map((p) => ({ ptsSeconds: Number(p.pts_time), pos: Number(p.pos), key: (p.flags ?? '').includes('K') }));
}

/** A rung's segments as one ffprobe read them: each segment's video packets (positions within it) and the streams of the first. */
export interface SegmentsScan {
  packets: SegmentPacket[][];
  /** ffprobe's streams (codec, profile, level) as @vidgen/ffmpeg's probe parses them. */
  streams: ProbeResult;
}

/** Segments per ffprobe: bounds its command line and its JSON answer (MAX_OUTPUT_BYTES) for long videos. */
const SEGMENTS_PER_SCAN = 50;

/**
 * Reads a rung's segment files back with one ffprobe per SEGMENTS_PER_SCAN of
 * them (not one per segment: each start costs more than reading a segment's
 * packets), through the concat protocol, which reads the files as one stream:
 * a packet's position is split back into its segment by the files' sizes.
 * Demuxes only; decodes nothing.
 */
export async function scanSegments(ffprobePath: string, files: ReadonlyArray<{ path: string; bytes: number }>, options: KeyframeScanOptions = {}): Promise<SegmentsScan> {
  const packets: SegmentPacket[][] = files.map(() => []);
  let streams: ProbeResult | null = null;
  for (let from = 0; from < files.length; from += SEGMENTS_PER_SCAN) {
    const chunk = files.slice(from, from + SEGMENTS_PER_SCAN);
    // concat: separates files with '|'; our scratch paths never hold one, and a file that did would be misread.
    const bad = chunk.find((f) => f.path.includes('|'));
    if (bad) throw new VidgenError('RENDER_FAILED', { message: `Segment scan: the path ${bad.path} contains '|'.` });
    const input = `concat:${chunk.map((f) => f.path).join('|')}`;
    const args = ['-v', 'error', '-show_entries', 'packet=stream_index,pts_time,pos,flags:stream=index,codec_type,codec_name,profile,level', '-of', 'json', input];
    const json = await runProbe(ffprobePath, args, 'segment scan', options);
    if (!streams) streams = parseProbeOutput(JSON.parse(json));
    let segment = 0;
    let start = 0;
    for (const p of parseSegmentPackets(json)) {
      while (segment < chunk.length - 1 && p.pos >= start + chunk[segment]!.bytes) start += chunk[segment++]!.bytes;
      packets[from + segment]!.push({ ...p, pos: p.pos - start });
    }
  }
  return { packets, streams: streams ?? parseProbeOutput({}) };
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
