export interface ConcatClip {
  path: string;
  durationSeconds: number;
}

/**
 * The concat demuxer's list file; paths quoted with ' escaped as the demuxer
 * expects. Each clip gets an `outpoint` at its video length: otherwise the
 * demuxer advances by the clip's longest stream (AAC ends a few ms after the
 * video), leaving video gaps and drift that add up over many scenes.
 */
export function concatListContent(clips: readonly ConcatClip[]): string {
  return clips.map((c) => `file '${c.path.replace(/'/g, "'\\''")}'\noutpoint ${c.durationSeconds.toFixed(6)}\n`).join('');
}

export interface ConcatArgsOptions {
  listFile: string;
  output: string;
}

/**
 * Joins clips made with identical encoder settings by stream copy (no second
 * encode): H.264/AAC MP4 with +faststart. Pure.
 */
export function buildConcatArgs(options: ConcatArgsOptions): string[] {
  const { listFile, output } = options;
  return ['-f', 'concat', '-safe', '0', '-i', listFile, '-map', '0:v', '-map', '0:a', '-c', 'copy', '-movflags', '+faststart', output];
}
