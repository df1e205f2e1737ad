import { audioEncoderArgs, encoderSettingsFor } from '../encoder';
import type { Rendition } from './hls-ladder';

export interface HlsOutput {
  /** The variant playlist; segments go beside it as seg-00000.ts … */
  playlistPath: string;
  segmentPattern: string;
  segmentSeconds: number;
}

function hlsMuxerArgs(out: HlsOutput): string[] {
  return [
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

/**
 * A lower rendition, encoded with keyframes forced at the source's keyframe
 * times, so every rendition's segments start at the same instants and players
 * can switch between them.
 */
export function hlsEncodeArgs(input: string, rendition: Rendition, keyframeTimes: readonly number[], sourceFps: number, out: HlsOutput): string[] {
  const e = encoderSettingsFor(rendition.preset);
  const fps = Math.min(rendition.preset.fps, sourceFps || rendition.preset.fps);
  const force = keyframeTimes.length ? keyframeTimes.map((t) => t.toFixed(3)).join(',') : `expr:gte(t,n_forced*${out.segmentSeconds})`;
  return [
    '-i', input,
    '-map', '0:v:0', '-map', '0:a:0?',
    '-vf', `scale=${rendition.preset.width}:${rendition.preset.height}`,
    '-c:v', e.videoCodec, '-preset', e.x264Preset, '-crf', String(e.crf), '-pix_fmt', e.pixelFormat, '-r', String(fps),
    '-force_key_frames', force, '-sc_threshold', '0', '-g', String(Math.max(1, Math.round(fps * out.segmentSeconds * 2))),
    ...audioEncoderArgs(e),
    ...hlsMuxerArgs(out),
  ];
}
