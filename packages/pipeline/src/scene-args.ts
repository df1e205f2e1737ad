import { escapeFilterValue } from '@vidgen/ffmpeg';
import { audioEncoderArgs, silentAudioSource, videoEncoderArgs, type EncoderSettings } from './encoder';
import type { Rect } from './layout';

export interface DrawLine {
  /** File holding exactly the text of this line: user text reaches ffmpeg only through files. */
  textFile: string;
  fontFile: string;
  sizePx: number;
  x: number;
  /** Baseline in pixels; drawtext's `ascent` is the line's own max glyph ascent, so all lines share one grid. */
  baseline: number;
}

export interface SceneClipArgsOptions {
  width: number;
  height: number;
  fps: number;
  durationSeconds: number;
  encoder: EncoderSettings;
  background: string;
  textColor: string;
  accentColor: string;
  lines: readonly DrawLine[];
  rule: Rect | null;
  /** Narration WAV, padded with silence to the scene length; null for a silent track. */
  narrationFile: string | null;
  output: string;
  /** Fade to black at the end: only the last scene, the others cut into the next scene's fade-in. */
  fadeOut?: boolean;
  /** Encoder threads for this clip: cores shared among the scenes in flight (0 = ffmpeg's automatic choice). */
  threads?: number;
}

/**
 * Fade length: 0.4 s, or a quarter of a very short scene. Fading frames are the
 * only ones x264 has real work on, so fades are the main cost over a still:
 * every scene fades in, only the last one fades out.
 */
export function fadeSeconds(durationSeconds: number): number {
  return Math.min(0.4, durationSeconds / 4);
}

/**
 * ffmpeg arguments for one scene clip: colour background, each text line drawn
 * by drawtext from its own file with expansion=none (so quotes, colons, `%{}`,
 * brackets and backslashes stay literal and cannot reach the graph), an accent
 * rule, a fade in (and out, for the last scene), then the shared encoder
 * settings. The text is drawn on the first frame only and that frame is
 * looped for the scene: drawtext runs once per scene, not once per frame. Pure.
 */
export function buildSceneClipArgs(options: SceneClipArgsOptions): string[] {
  const { width: w, height: h, fps, durationSeconds: d, encoder, lines, rule, narrationFile, output } = options;
  const fade = fadeSeconds(d);
  const filters: string[] = [];
  for (const line of lines) {
    filters.push(
      [
        `drawtext=fontfile=${escapeFilterValue(line.fontFile)}`,
        `textfile=${escapeFilterValue(line.textFile)}`,
        'expansion=none',
        `fontsize=${line.sizePx}`,
        `fontcolor=${options.textColor}`,
        `x=${line.x}`,
        `y=${line.baseline}-ascent`,
      ].join(':'),
    );
  }
  if (rule) filters.push(`drawbox=x=${rule.x}:y=${rule.y}:w=${rule.w}:h=${rule.h}:color=${options.accentColor}:t=fill`);
  const frames = Math.max(1, Math.round(d * fps));
  // The text layer is static: draw it on one frame, then repeat that frame, so drawtext runs once per scene, not per frame.
  filters.push('format=yuv420p', `loop=loop=${frames - 1}:size=1:start=0`, `setpts=N/(${fps}*TB)`);
  filters.push(`fade=t=in:st=0:d=${fade}`);
  if (options.fadeOut) filters.push(`fade=t=out:st=${(d - fade).toFixed(3)}:d=${fade}`);
  const graph = [`[0:v]trim=end_frame=1,${filters.join(',')}[v]`];
  // The source makes a single frame (d = one frame time); trim guards against rounding.
  const inputs = ['-f', 'lavfi', '-i', `color=c=${options.background}:s=${w}x${h}:r=${fps}:d=${(1 / fps).toFixed(6)}`];
  if (narrationFile) {
    inputs.push('-i', narrationFile);
    graph.push(`[1:a]aresample=${encoder.audioSampleRate},aformat=channel_layouts=stereo,apad[a]`);
  } else {
    inputs.push('-f', 'lavfi', '-i', silentAudioSource(encoder));
  }
  return [
    ...inputs,
    '-filter_complex', graph.join(';'),
    '-map', '[v]', '-map', narrationFile ? '[a]' : '1:a',
    '-t', String(d),
    ...videoEncoderArgs(encoder, fps),
    ...(options.threads ? ['-threads', String(options.threads)] : []),
    ...audioEncoderArgs(encoder),
    output,
  ];
}
