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
  const { width: w, height: h, fps, durationSeconds: d, encoder, narrationFile, output } = options;
  const graph = [`[0:v]${sceneVideoChain(options)}[v]`];
  // The source makes a single frame (d = one frame time); trim guards against rounding.
  const inputs = ['-f', 'lavfi', '-i', singleFrameSource(options.background, w, h, fps)];
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

/** A colour source that makes a single frame (d = one frame time). */
function singleFrameSource(background: string, w: number, h: number, fps: number): string {
  return `color=c=${background}:s=${w}x${h}:r=${fps}:d=${(1 / fps).toFixed(6)}`;
}

type SceneVideoOptions = Pick<SceneClipArgsOptions, 'fps' | 'durationSeconds' | 'lines' | 'rule' | 'textColor' | 'accentColor' | 'fadeOut'>;

/**
 * One scene's video filter chain on a single-frame colour input: drawtext per
 * line from its file (expansion=none), the accent rule, the loop to the scene's
 * frame count, and the fades. Starts with trim (guards against source rounding).
 */
function sceneVideoChain(options: SceneVideoOptions): string {
  const { fps, durationSeconds: d, lines, rule } = options;
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
  return `trim=end_frame=1,${filters.join(',')}`;
}

export interface SilentVideoScene {
  durationSeconds: number;
  lines: readonly DrawLine[];
  rule: Rect | null;
  /** Fade to black at the end: only the last scene. */
  fadeOut?: boolean;
}

export interface SilentVideoArgsOptions {
  width: number;
  height: number;
  fps: number;
  encoder: EncoderSettings;
  background: string;
  textColor: string;
  accentColor: string;
  scenes: readonly SilentVideoScene[];
  /** Encoder threads when several groups render in parallel (unset: x264's own choice). */
  threads?: number;
  output: string;
}

/**
 * ffmpeg arguments for a whole silent (no narration) video in ONE process: one
 * single-frame colour input per scene, each scene's chain exactly as in
 * buildSceneClipArgs (text only from files with expansion=none), joined by the
 * concat filter, one silent AAC track, one x264 encode with the shared settings
 * (threads as given, else x264's choice) and +faststart. Saves a process start-up, an IDR and a
 * stream-copy pass per scene over per-scene clips + concat. Pure.
 */
export function buildSilentVideoArgs(options: SilentVideoArgsOptions): string[] {
  const { width: w, height: h, fps, encoder, scenes, output } = options;
  if (scenes.length === 0) throw new Error('buildSilentVideoArgs needs at least one scene');
  const inputs: string[] = [];
  const graph: string[] = [];
  let frames = 0;
  scenes.forEach((scene, i) => {
    inputs.push('-f', 'lavfi', '-i', singleFrameSource(options.background, w, h, fps));
    graph.push(`[${i}:v]${sceneVideoChain({ ...scene, fps, textColor: options.textColor, accentColor: options.accentColor })}[v${i}]`);
    frames += Math.max(1, Math.round(scene.durationSeconds * fps));
  });
  graph.push(`${scenes.map((_, i) => `[v${i}]`).join('')}concat=n=${scenes.length}:v=1:a=0[v]`);
  inputs.push('-f', 'lavfi', '-i', silentAudioSource(encoder));
  return [
    ...inputs,
    '-filter_complex', graph.join(';'),
    '-map', '[v]', '-map', `${scenes.length}:a`,
    '-t', (frames / fps).toFixed(6),
    ...videoEncoderArgs(encoder, fps),
    ...(options.threads ? ['-threads', String(options.threads)] : []),
    ...audioEncoderArgs(encoder),
    '-movflags', '+faststart',
    output,
  ];
}
