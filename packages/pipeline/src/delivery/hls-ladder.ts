import { QUALITIES, QUALITY_PRESETS, type Quality, type QualityPreset } from '@vidgen/core';

export interface Rendition {
  /** "480p", "720p", "1080p", "2160p". */
  label: string;
  quality: Quality;
  preset: QualityPreset;
  /** The rung's frame size: the source's aspect with square pixels (rungSize). */
  width: number;
  height: number;
  /** The top rendition is the progressive MP4 itself, remuxed (no second encode). */
  reuseSource: boolean;
}

export interface FrameSize {
  width: number;
  height: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/**
 * A lower rung's frame size for a source: even sides in exactly the source's
 * aspect, so the rung needs no sample aspect ratio (SAR 1:1), with the short
 * side nearest the preset's (1280×720 → 864×486 for 480p: 854×480 is not
 * 16:9 and scaling to it gave SAR 1280:1281). When no exact size lies within
 * 2 % of the preset's short side (an odd source size), the sides are rounded
 * to even numbers, the aspect kept within a pixel; the encoder sets SAR 1:1
 * either way. Never larger than the source. Pure.
 */
export function rungSize(source: FrameSize, preset: Pick<QualityPreset, 'width' | 'height'>): FrameSize {
  const target = Math.min(preset.width, preset.height);
  const srcShort = Math.min(source.width, source.height);
  if (srcShort <= target) return { width: source.width, height: source.height };
  const g = gcd(source.width, source.height);
  const [a, b] = [source.width / g, source.height / g];
  const unit = Math.min(a, b);
  // a and b are coprime, so at least one is odd: the multiplier must be even for even sides.
  const k = Math.max(2, Math.round(target / unit / 2) * 2);
  if (Math.abs(k * unit - target) <= target * 0.02) return { width: a * k, height: b * k };
  const scale = target / srcShort;
  return { width: even(source.width * scale), height: even(source.height * scale) };
}

/**
 * Every quality up to the job's, lowest first; the job's own is the top and
 * reuses the MP4's encode (at the source's size), the lower ones are sized
 * for the source's aspect (16:9, 9:16, 1:1). Without a source size, the
 * presets' 16:9 sizes.
 */
export function renditionLadder(quality: Quality, source?: FrameSize): Rendition[] {
  const top = QUALITIES.indexOf(quality);
  const topPreset = QUALITY_PRESETS[quality];
  const src = source ?? { width: topPreset.width, height: topPreset.height };
  return QUALITIES.slice(0, top + 1).map((q, i) => {
    const preset = QUALITY_PRESETS[q];
    const size = i === top ? src : rungSize(src, preset);
    return { label: preset.label, quality: q, preset, width: size.width, height: size.height, reuseSource: i === top };
  });
}

/**
 * Where the segments start (seconds of media time), as ffmpeg's HLS muxer
 * cuts a stream with these keyframes: at the first keyframe at or past each
 * multiple of segmentSeconds, one cut per keyframe. The top rung (a remux)
 * is cut there; the lower rungs get keyframes forced at exactly these times
 * and nowhere else, so the muxer cuts them at the same instants. Pure.
 */
export function segmentStarts(keyframes: readonly number[], segmentSeconds: number): number[] {
  if (!keyframes.length) return [0];
  const [first, ...rest] = keyframes;
  const starts = [first!];
  let n = 1;
  for (const t of rest) {
    // Keyframe times are rounded to the millisecond (parseKeyframeTimes).
    if (t - first! >= n * segmentSeconds - 0.0005) {
      starts.push(t);
      n += 1;
    }
  }
  return starts;
}

/**
 * The one rule for a lower rung's frame rate: the preset's (capped by the
 * source's) when the source's rate is a whole multiple of it and every frame
 * the rung must have (segment starts, unit starts, the end: source frame
 * numbers) falls on its grid; else the source's, so that every rung can have
 * a frame, and a keyframe, at every segment start. Without a source rate,
 * the preset's. Pure.
 */
export function rungFrameRate(presetFps: number, sourceFps: number, gridFrames: readonly number[]): number {
  if (!sourceFps) return presetFps;
  const reduced = Math.min(presetFps, sourceFps);
  const step = sourceFps / reduced;
  return Number.isInteger(step) && gridFrames.every((f) => f % step === 0) ? reduced : sourceFps;
}

/** rungFrameRate for segment starts in seconds (keyframe times of the source, to the millisecond). Pure. */
export function rungFps(presetFps: number, sourceFps: number, starts: readonly number[]): number {
  return rungFrameRate(presetFps, sourceFps, starts.map((t) => Math.round(t * sourceFps)));
}

/** A lower rung encoded in the render pass, beside the top one, from the same frames. */
export interface SamePassRung extends Rendition {
  /** Its frame rate: divides the source's, with every unit start, segment start and the end on its grid. */
  fps: number;
}

export interface SamePassLadder {
  /** Global frame numbers of the segment starts: keyframes there in every rung, the top included. */
  keyframes: number[];
  rungs: SamePassRung[];
}

/**
 * The lower rungs a render pass encodes beside the top one, and where every
 * rung gets its keyframes: at each multiple of segmentSeconds (frame
 * k × segmentSeconds × fps), so ffmpeg's HLS muxer cuts every rung there (the
 * first keyframe at or past each multiple: segmentStarts). A rung runs at its
 * preset's rate when the source's is a multiple of it and every unit start,
 * segment start and the video's end fall on its grid; else at the source's
 * (rungFrameRate). Pure.
 */
export function samePassLadder(input: { quality: Quality; width: number; height: number; fps: number; totalFrames: number; unitStarts: readonly number[]; segmentSeconds: number }): SamePassLadder {
  const { quality, width, height, fps, totalFrames, unitStarts, segmentSeconds } = input;
  const segFrames = Math.round(segmentSeconds * fps);
  const keyframes: number[] = [];
  for (let f = 0; f < totalFrames; f += segFrames) keyframes.push(f);
  const grid = [...keyframes, ...unitStarts, totalFrames];
  const rungs = renditionLadder(quality, { width, height })
    .filter((r) => !r.reuseSource)
    .map((r) => ({ ...r, fps: rungFrameRate(r.preset.fps, fps, grid) }));
  return { keyframes, rungs };
}
