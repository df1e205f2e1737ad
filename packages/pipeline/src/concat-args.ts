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

/** One scene's slot in the narration track: its WAV (or silence) from its first to its last sample. */
export interface NarrationSlot {
  /** WAV file (our own, in the scratch dir), or null for a silent scene. */
  wav: string | null;
  startSeconds: number;
  endSeconds: number;
}

export interface AssembleArgsOptions {
  listFile: string;
  encoder: EncoderSettings;
  /** The video's exact length (frames / fps): the audio is cut or padded to it. */
  totalSeconds: number;
  /** Narration per scene; absent or empty: a silent track. */
  narration?: readonly NarrationSlot[];
  output: string;
}

/**
 * The one audio track of a narrated video, as a filter graph over inputs
 * 1..k (the WAVs, in order): each scene's speech starts at its scene's first
 * sample, is padded with silence and cut to exactly the scene's samples
 * (rounded on the 48 kHz grid, so the slots add up to the whole video), and
 * the slots are concatenated. Numbers and stream labels only. Pure.
 */
export function narrationAudioGraph(slots: readonly NarrationSlot[], encoder: EncoderSettings): { graph: string; wavs: string[] } {
  const rate = encoder.audioSampleRate;
  const wavs: string[] = [];
  const chains: string[] = [];
  slots.forEach((slot, i) => {
    const samples = Math.round(slot.endSeconds * rate) - Math.round(slot.startSeconds * rate);
    const fit = `aformat=sample_fmts=fltp:sample_rates=${rate}:channel_layouts=stereo,apad,atrim=end_sample=${samples}`;
    if (slot.wav) {
      wavs.push(slot.wav);
      chains.push(`[${wavs.length}:a]aresample=${rate},${fit}[s${i}]`);
    } else {
      chains.push(`${silentAudioSource(encoder)},${fit}[s${i}]`);
    }
  });
  chains.push(`${slots.map((_, i) => `[s${i}]`).join('')}concat=n=${slots.length}:v=0:a=1[a]`);
  return { graph: chains.join(';'), wavs };
}

/**
 * Joins video-only unit clips made with identical encoder settings by stream
 * copy (no second video encode) and muxes ONE audio track with them: silence,
 * or the narration graph. H.264/AAC MP4, +faststart. Pure.
 */
export function buildAssembleArgs(options: AssembleArgsOptions): string[] {
  const { listFile, encoder, totalSeconds, narration, output } = options;
  const audioIn: string[] = [];
  const audioMap: string[] = [];
  if (narration && narration.length > 0) {
    const { graph, wavs } = narrationAudioGraph(narration, encoder);
    for (const wav of wavs) audioIn.push('-i', wav);
    audioMap.push('-filter_complex', graph, '-map', '[a]');
  } else {
    audioIn.push('-f', 'lavfi', '-i', silentAudioSource(encoder));
    audioMap.push('-map', '1:a');
  }
  return [
    '-f', 'concat', '-safe', '0', '-i', listFile,
    ...audioIn,
    '-map', '0:v', ...audioMap,
    '-c:v', 'copy',
    ...audioEncoderArgs(encoder),
    '-t', totalSeconds.toFixed(6),
    '-movflags', '+faststart',
    output,
  ];
}
