import { audioEncoderArgs, silentAudioSource, type EncoderSettings } from './encoder';

export interface ConcatClip {
  path: string;
  durationSeconds: number;
}

/**
 * The concat demuxer's list file; paths (our own, in the scratch dir) quoted
 * with ' escaped as the demuxer expects. Each clip gets an `outpoint` at its
 * video length, so the timeline advances by exactly its frames.
 */
export function concatListContent(clips: readonly ConcatClip[]): string {
  return clips.map((c) => `file '${c.path.replace(/'/g, "'\\''")}'\noutpoint ${c.durationSeconds.toFixed(6)}\n`).join('');
}

export interface AssembleArgsOptions {
  listFile: string;
  encoder: EncoderSettings;
  /** The video's exact length (frames / fps): the audio is cut or padded to it. */
  totalSeconds: number;
  /** The one audio track (a WAV of the video's length, mixed from the plan); absent: a silent track. */
  audio?: string;
  /** The audio track already encoded (buildAudioTrackArgs): copied, not encoded here; `audio` is then unused. */
  audioTrack?: string;
  output: string;
}

/**
 * Joins video-only unit clips made with identical encoder settings by stream
 * copy (no second video encode) and muxes ONE audio track with them: silence,
 * or the track mixAudio built from the plan. H.264/AAC MP4, +faststart. Pure.
 */
export function buildAssembleArgs(options: AssembleArgsOptions): string[] {
  const { listFile, encoder, totalSeconds, audio, audioTrack, output } = options;
  if (audioTrack) {
    return ['-f', 'concat', '-safe', '0', '-i', listFile, '-i', audioTrack, '-map', '0:v', '-map', '1:a', '-c', 'copy', '-t', totalSeconds.toFixed(6), '-movflags', '+faststart', output];
  }
  // The mixed track is already at the video's length and loudness: encoding it is the only step left.
  const audioIn = audio ? ['-i', audio] : ['-f', 'lavfi', '-i', silentAudioSource(encoder)];
  return [
    '-f', 'concat', '-safe', '0', '-i', listFile,
    ...audioIn,
    '-map', '0:v', '-map', '1:a',
    '-c:v', 'copy',
    ...audioEncoderArgs(encoder),
    '-t', totalSeconds.toFixed(6),
    '-movflags', '+faststart',
    output,
  ];
}

export interface AudioTrackArgsOptions {
  encoder: EncoderSettings;
  /** The video's exact length (frames / fps). */
  totalSeconds: number;
  /** The mixed track (a WAV of the video's length); absent: silence. */
  audio?: string;
  /** An .m4a: AAC in MP4, which the join copies. */
  output: string;
}

/**
 * The video's one audio track encoded on its own (silence, or the mixed WAV),
 * at the video's length, so that the join after the render units is a stream
 * copy: encoding it there put ~0.1 s of AAC per 30 s of video on the critical
 * path. Pure.
 */
export function buildAudioTrackArgs(options: AudioTrackArgsOptions): string[] {
  const { encoder, totalSeconds, audio, output } = options;
  const audioIn = audio ? ['-i', audio] : ['-f', 'lavfi', '-i', silentAudioSource(encoder)];
  return [...audioIn, '-map', '0:a', '-vn', ...audioEncoderArgs(encoder), '-t', totalSeconds.toFixed(6), output];
}

export interface RungAssembleArgsOptions {
  /** The concat list of the rung's unit clips (concatListContent). */
  listFile: string;
  /** The finished top MP4, whose audio track the rung carries too (copied, not encoded again). */
  video: string;
  totalSeconds: number;
  output: string;
}

/**
 * A lower rung's MP4: its unit clips (encoded beside the top ones) joined by
 * stream copy, with the top MP4's audio track copied in. No encode. Without
 * +faststart: the file is intermediate (packageHls remuxes it into segments,
 * nothing serves it), and faststart would write it a second time. Pure.
 */
export function buildRungAssembleArgs(options: RungAssembleArgsOptions): string[] {
  const { listFile, video, totalSeconds, output } = options;
  return ['-f', 'concat', '-safe', '0', '-i', listFile, '-i', video, '-map', '0:v', '-map', '1:a', '-c', 'copy', '-t', totalSeconds.toFixed(6), output];
}
