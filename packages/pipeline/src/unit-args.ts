import { videoEncoderArgs, type EncoderSettings } from './encoder';

/** A run of consecutive frames [from, to). */
export type FrameRun = readonly [number, number];

/**
 * The frames of a unit [start, end) that are painted and piped: the motion
 * ranges clipped to the unit, merged, and always the unit's first frame
 * (ffmpeg needs a picture to hold). Every other frame is identical to the one
 * before it, so ffmpeg repeats that one instead. Global frame numbers. Pure.
 */
export function paintedRuns(motion: ReadonlyArray<readonly [number, number]>, start: number, end: number): FrameRun[] {
  const clipped = motion
    .map(([a, b]) => [Math.max(a, start), Math.min(b, end)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  if (clipped.length === 0 || clipped[0]![0] > start) clipped.unshift([start, start + 1]);
  const merged: Array<[number, number]> = [];
  for (const [a, b] of clipped) {
    const last = merged[merged.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else merged.push([a, b]);
  }
  return merged;
}

export function countFrames(runs: readonly FrameRun[]): number {
  return runs.reduce((n, [a, b]) => n + (b - a), 0);
}

/**
 * setpts expression placing the n-th piped frame at its frame slot in the
 * unit: N plus the frames held before it (one step term per gap). The last
 * piped picture comes once more as a sentinel at slot `unitFrames`: ffmpeg
 * 4.1's fps filter drops its final input frame at EOF, so the sentinel is what
 * lets it repeat the real last frame up to the unit's end. Numbers only, never
 * text. `runs` are unit-local (0 = the unit's first frame). Pure.
 */
export function holdTimestampExpression(runs: readonly FrameRun[], unitFrames: number, fps: number): string {
  let piped = 0;
  let slot = 0;
  const terms: string[] = [];
  const step = (atInput: number, gap: number) => {
    if (gap > 0) terms.push(`gte(N\\,${atInput})*${gap}`);
  };
  for (const [a, b] of runs) {
    step(piped, a - slot);
    piped += b - a;
    slot = b;
  }
  step(piped, unitFrames - slot);
  // setpts in units of the stream's time base: slot / (fps * TB).
  return `(N${terms.map((t) => `+${t}`).join('')})/(${fps}*TB)`;
}

export interface UnitEncodeArgsOptions {
  width: number;
  height: number;
  fps: number;
  /** ffmpeg's -pix_fmt name of the piped frames. */
  pixelFormat: 'rgba' | 'bgra' | 'bgr24';
  /** Unit-local runs of piped frames (paintedRuns minus the unit's start). */
  runs: readonly FrameRun[];
  unitFrames: number;
  encoder: EncoderSettings;
  threads?: number;
  output: string;
  /**
   * Unit-local frame numbers where every output gets a keyframe (the HLS
   * segment starts inside the unit); with `rungs` only.
   */
  keyframes?: readonly number[];
  /** Lower HLS rungs encoded from the same frames in the same process (split + fps + scale). */
  rungs?: readonly UnitRung[];
}

/** A lower rung of the ladder, encoded by a unit beside its top-rung clip. */
export interface UnitRung {
  width: number;
  height: number;
  /** Its frame rate: divides the unit's, and every keyframe and the unit's length fall on its grid (sameFrameRungs). */
  fps: number;
  encoder: EncoderSettings;
  /** x264 threads of this rung's encoder (its share of the unit's cores); absent: the unit's `threads`. */
  threads?: number;
  output: string;
}

/** ffmpeg's force_key_frames expression for these output frame numbers (numbers only). */
export function forceKeyframesExpression(frames: readonly number[]): string {
  return `expr:${[...new Set(frames)].map((n) => `eq(n,${n})`).join('+') || '0'}`;
}

/**
 * ffmpeg arguments of one render unit: raw frames on stdin, stamped to their
 * slots by setpts, gaps filled by the fps filter repeating the frame before
 * (held frames are neither painted nor piped, and converted to yuv420p once), exactly `unitFrames` frames
 * encoded with the shared settings; video only (the audio is muxed once when
 * the units are joined). A fresh encode starts with an IDR, so units join by
 * stream copy. Pure: numbers and our own paths only.
 */
export function buildUnitEncodeArgs(options: UnitEncodeArgsOptions): string[] {
  const { width, height, fps, pixelFormat, runs, unitFrames, encoder, threads, output, keyframes = [], rungs = [] } = options;
  const input = ['-f', 'rawvideo', '-pix_fmt', pixelFormat, '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0'];
  // Convert to the encoder's pixel format first: once per piped frame, not once per output frame after fps repeats them.
  const filter = [`format=${encoder.pixelFormat}`, `setpts=${holdTimestampExpression(runs, unitFrames, fps)}`, `fps=fps=${fps}`].join(',');
  const threadArgs = threads ? ['-threads', String(threads)] : [];
  if (rungs.length === 0) return [...input, '-filter:v', filter, '-frames:v', String(unitFrames), '-an', ...videoEncoderArgs(encoder, fps), ...threadArgs, output];
  // One decode of the pipe, one hold, split to the top clip and to each rung (resampled, scaled with square pixels).
  const graph = [
    `[0:v]${filter},split=${rungs.length + 1}[top]${rungs.map((_, i) => `[r${i}]`).join('')}`,
    ...rungs.map((r, i) => `[r${i}]fps=fps=${r.fps},scale=${r.width}:${r.height},setsar=1[o${i}]`),
  ].join(';');
  const top = ['-map', '[top]', '-frames:v', String(unitFrames), '-an', ...videoEncoderArgs(encoder, fps), ...threadArgs, '-force_key_frames', forceKeyframesExpression(keyframes), output];
  const lower = rungs.flatMap((r, i) => {
    const step = fps / r.fps;
    const e = r.encoder;
    return [
      '-map', `[o${i}]`, '-frames:v', String(unitFrames / step), '-an',
      '-c:v', e.videoCodec, '-preset', e.x264Preset, '-crf', String(e.crf), '-pix_fmt', e.pixelFormat,
      ...(r.threads ? ['-threads', String(r.threads)] : threadArgs),
      // Keyframes at the segment starts and nowhere else (as packageHls encodes a rung), so every rung is cut at the same instants.
      '-force_key_frames', forceKeyframesExpression(keyframes.map((k) => k / step)), '-sc_threshold', '0', '-g', String(Math.ceil(unitFrames / step) + 1),
      r.output,
    ];
  });
  return [...input, '-filter_complex', graph, ...top, ...lower];
}
