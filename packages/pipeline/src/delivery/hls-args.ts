import { audioEncoderArgs, encoderSettingsFor } from '../encoder';
import { forceKeyframesExpression } from '../unit-args';
import type { Rendition } from './hls-ladder';

export interface HlsOutput {
  /** The variant playlist; segments go beside it as seg-00000.ts … */
  playlistPath: string;
  segmentPattern: string;
  segmentSeconds: number;
}

/**
 * Every rung's timestamps are shifted by this much before the muxer sees
 * them. The encoders' B-frame delay differs per rung (2 frames: 67 ms at
 * 30 fps, 133 ms at 15 fps) and the TS muxer would otherwise shift each rung
 * by its own delay (first PTS 1.467 s vs 1.533 s). With a common offset
 * larger than any delay no rung is shifted, and media time 0 lands at the
 * same TS time in every rung: 1.4 s (the muxer's default delay) + this.
 */
export const HLS_TS_OFFSET_SECONDS = 0.6;

function hlsMuxerArgs(out: HlsOutput): string[] {
  return [
    '-output_ts_offset', String(HLS_TS_OFFSET_SECONDS),
    '-f', 'hls',
    '-hls_time', String(out.segmentSeconds),
    '-hls_playlist_type', 'vod',
    '-hls_segment_type', 'mpegts',
    '-hls_flags', 'independent_segments',
    '-hls_segment_filename', out.segmentPattern,
    out.playlistPath,
  ];
}

/** The top rendition: the progressive MP4's streams copied into segments (cut at its keyframes). */
export function hlsCopyArgs(input: string, out: HlsOutput): string[] {
  return ['-i', input, '-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy', ...hlsMuxerArgs(out)];
}

export interface RungEncoding {
  /** Segment starts (segmentStarts), on the rung's frame grid (rungFps): keyframes are forced there and only there. */
  segmentStarts: readonly number[];
  /** The rung's frame rate (rungFps). */
  fps: number;
  /** The video's length: x264's own keyframe interval is set longer, so it adds no keyframe. */
  durationSeconds: number;
}

/**
 * A lower rendition: resampled to its frame rate with the fps filter (which
 * keeps the source's length; `-r` duplicated frames at the end), scaled with
 * square pixels, and with keyframes at the segment starts only, so its
 * segments start at the same instants as the top rung's and players can
 * switch between them.
 */
export function hlsEncodeArgs(input: string, rendition: Rendition, encoding: RungEncoding, out: HlsOutput): string[] {
  const e = encoderSettingsFor(rendition.preset);
  const { fps, segmentStarts, durationSeconds } = encoding;
  // By frame number: the fps filter's frame n is at n / fps (the MP4 starts at 0). Times were not exact:
  // ffmpeg 4.1 keyed the frame before 2.0167 s when asked for the one at 2.0333 s.
  const force = forceKeyframesExpression(segmentStarts.map((t) => Math.round(t * fps)));
  return [
    '-i', input,
    '-map', '0:v:0', '-map', '0:a:0?',
    '-vf', `fps=${fps},scale=${rendition.width}:${rendition.height},setsar=1`,
    '-c:v', e.videoCodec, '-preset', e.x264Preset, '-crf', String(e.crf), '-pix_fmt', e.pixelFormat,
    '-force_key_frames', force, '-sc_threshold', '0', '-g', String(Math.ceil(fps * (durationSeconds + 1))),
    ...audioEncoderArgs(e),
    ...hlsMuxerArgs(out),
  ];
}
