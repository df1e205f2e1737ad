import type { PlannedScene, RenderPlan, RenderPlanOptions } from '@vidgen/core';
import type { ThumbnailSet } from './delivery/thumbnails';
import type { UnitRung } from './unit-args';

/** Consecutive scenes [from, to) of a plan: what one render unit draws. */
export interface SceneRange {
  from: number;
  to: number;
}

/** A rendered unit: a video-only H.264 MP4 that starts with an IDR, so units join by stream copy. */
export interface RenderedClip {
  path: string;
  range: SceneRange;
  /** Global frames [startFrame, endFrame) of the plan. */
  startFrame: number;
  endFrame: number;
  /** Frames painted (and piped into ffmpeg); the others ffmpeg held. */
  paintedFrames: number;
  /** Characters no bundled font has (the painter's messages, one per scene). */
  warnings: string[];
}

export interface RenderUnitOptions {
  /** Where the clip is written. */
  output: string;
  /** x264 threads of this unit's encoder (the cores divided among the units in flight). */
  threads?: number;
  signal?: AbortSignal;
  /** Output frames done in this unit so far (painted and held), rising. */
  onFrames?: (frames: number) => void;
  /** Lower HLS rungs encoded from the same frames in the unit's ffmpeg (their clips' paths in each). */
  rungs?: UnitRung[];
  /** Unit-local frames where every output gets a keyframe (HLS segment starts); with rungs. */
  keyframes?: number[];
}

export interface RenderStillsOptions {
  /** poster.jpg, thumb-NNN.jpg, sprite.jpg and storyboard.vtt go here. */
  outDir: string;
  /** Thumbnails besides the poster (THUMBNAIL_COUNT). */
  count: number;
  /** Their width (THUMBNAIL_WIDTH); the height keeps the aspect. */
  thumbnailWidth: number;
  signal?: AbortSignal;
}

export interface AssembleOptions {
  plan: RenderPlan;
  output: string;
  /** The video's one audio track (a WAV exactly as long as the video, from mixAudio), encoded once. Absent: a silent AAC track. */
  audio?: string;
  /** The audio track already encoded at the video's length (buildAudioTrackArgs): copied; `audio` is then unused. */
  audioTrack?: string;
  /** Scratch space for the concat list. */
  scratchDir: string;
  signal?: AbortSignal;
  /** 0..100 of the join. */
  onPercent?: (pct: number) => void;
}

export interface AssembleRungOptions {
  plan: RenderPlan;
  output: string;
  /** The finished top MP4: its audio track is copied into the rung. */
  video: string;
  scratchDir: string;
  /** The rung's label (its concat list's name). */
  label: string;
  signal?: AbortSignal;
}

/**
 * The renderer behind the orchestrator, in three steps that pass data, so a
 * later issue can fan units out across workers: a unit needs only the plan
 * and its scene range.
 *
 *   plan (RenderPlan, plain data) → renderUnit per scene range → assemble
 */
export interface SceneRenderer {
  /** Planned scenes → the RenderPlan (frames, timelines, transitions): plain, serialisable data. Narration times scenes and entrances to the speech. */
  plan(scenes: readonly PlannedScene[], options?: RenderPlanOptions): RenderPlan;
  renderUnit(plan: RenderPlan, range: SceneRange, options: RenderUnitOptions): Promise<RenderedClip>;
  /** Poster, thumbnails and sprite from the plan's frames (no decode of the video). */
  renderStills(plan: RenderPlan, options: RenderStillsOptions): Promise<ThumbnailSet>;
  /** Joins the clips (in plan order, by stream copy) with one audio track into the final MP4 (+faststart). */
  assemble(clips: readonly RenderedClip[], options: AssembleOptions): Promise<void>;
  /** Joins a lower rung's unit clips (renderUnit's `rungs`) by stream copy, with the top MP4's audio. */
  assembleRung(clips: readonly RenderedClip[], options: AssembleRungOptions): Promise<void>;
}
