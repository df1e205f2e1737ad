import type { Quality, ThemeName } from './job';

/**
 * The scene model: what a scene is (layout + content), how it moves
 * (animation, transition) and, once planned, exactly when every element
 * enters. A RenderPlan is plain serialisable data: any render unit on any
 * worker draws its frames from the plan alone.
 *
 * This module is the contract between the planner (core), the API's /plan
 * and /capabilities, the drawing library (@vidgen/render) and the render
 * engine (@vidgen/pipeline). Types and limits only; the joi schema sits in
 * schemas.ts, the planner in storyboard.ts.
 */

export const SCENE_MODEL_VERSION = 1;

export const LAYOUTS = ['title', 'text', 'bullets', 'stat', 'chart', 'steps', 'quote', 'icon_text', 'comparison', 'closing'] as const;
export type Layout = (typeof LAYOUTS)[number];

export const TRANSITIONS = ['cut', 'crossfade', 'push_left', 'slide_up', 'wipe'] as const;
export type Transition = (typeof TRANSITIONS)[number];
export const DEFAULT_TRANSITION: Transition = 'crossfade';

export const ANIMATIONS = ['auto', 'none'] as const;
export type Animation = (typeof ANIMATIONS)[number];

export const ASPECTS = ['16:9', '9:16', '1:1'] as const;
export type Aspect = (typeof ASPECTS)[number];
export const DEFAULT_ASPECT: Aspect = '16:9';

export const CHART_TYPES = ['bar', 'column', 'line', 'pie'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

/** Timing of motion, in seconds. */
export const TRANSITION_SECONDS = 0.5;
export const ENTRANCE_SECONDS = 0.6;
export const BUILD_STAGGER_SECONDS = 0.4;
/** A stat's number counts up over this long after its entrance starts. */
export const COUNT_UP_SECONDS = 1.2;

/**
 * Text limits, in characters (code points). Chosen so that the longest
 * allowed text of every layout fits at the minimum font size at every
 * quality and aspect; @vidgen/render's geometry test proves it (worst
 * cases: 'W'-heavy text, one endless word, full-width CJK). The square 1:1
 * frame binds: item, chartLabel and the comparison's texts are as long as
 * it holds at the minimum font size.
 */
export const SCENE_LIMITS = Object.freeze({
  title: 100,
  text: 400,
  itemsMin: 1,
  itemsMax: 8,
  item: 64,
  prefix: 8,
  suffix: 12,
  label: 80,
  chartPointsMin: 2,
  chartPointsMax: 12,
  chartLabel: 20,
  chartUnit: 12,
  quote: 300,
  attribution: 80,
  comparisonHeading: 40,
  comparisonItemsMax: 5,
  comparisonItem: 36,
  /** |value| of a stat or a chart point. */
  absNumberMax: 1e12,
  sceneSecondsMin: 1,
  sceneSecondsMax: 60,
  scenesMax: 50,
});

export interface ChartSpec {
  type: ChartType;
  labels: string[];
  values: number[];
  unit?: string;
}

export interface ComparisonSide {
  heading: string;
  items: string[];
}

/** The content fields of a scene; which ones a layout uses is in LAYOUT_FIELDS. */
export interface SceneContent {
  title?: string;
  text?: string;
  items?: string[];
  value?: number;
  prefix?: string;
  suffix?: string;
  label?: string;
  chart?: ChartSpec;
  quote?: string;
  attribution?: string;
  /** A lucide icon name (the bundled open-licence set). */
  icon?: string;
  left?: ComparisonSide;
  right?: ComparisonSide;
}

/** Required and optional content fields per layout (the schema enforces them). */
export const LAYOUT_FIELDS: Readonly<Record<Layout, { required: ReadonlyArray<keyof SceneContent>; optional: ReadonlyArray<keyof SceneContent> }>> = Object.freeze({
  title: { required: ['title'], optional: ['text'] },
  text: { required: ['text'], optional: ['title'] },
  bullets: { required: ['items'], optional: ['title'] },
  stat: { required: ['value'], optional: ['title', 'prefix', 'suffix', 'label'] },
  chart: { required: ['chart'], optional: ['title'] },
  steps: { required: ['items'], optional: ['title'] },
  quote: { required: ['quote'], optional: ['attribution', 'title'] },
  icon_text: { required: ['icon', 'text'], optional: ['title'] },
  comparison: { required: ['left', 'right'], optional: ['title'] },
  closing: { required: ['title'], optional: ['text'] },
});

/** A scene as a client (or a planner) gives it, in configuration.scenes[]. */
export interface SceneSpec extends SceneContent {
  /** Absent: the old shape {title?, text}, which maps to `text` (or `title` when only a title is given). */
  layout?: Layout;
  duration_seconds?: number;
  /** Into the next scene; default crossfade. */
  transition?: Transition;
  animation?: Animation;
  /** What is said in the scene (narrated jobs); absent: the scene speaks its visible text. */
  narration?: string;
}

export type PlannedSceneKind = 'title' | 'content' | 'closing' | 'explicit';

/** One scene after planning: layout resolved, content normalised, length decided. */
export interface PlannedScene {
  kind: PlannedSceneKind;
  layout: Layout;
  content: SceneContent;
  durationSeconds: number;
  transition: Transition;
  animation: Animation;
}

/**
 * When each element of a scene enters, in seconds from the scene's start.
 * Entrances last ENTRANCE_SECONDS; `items` are the built elements in order
 * (bullets, steps, chart points, the comparison's left then right items).
 * With animation 'none' every value is 0 and nothing moves.
 */
export interface SceneTimeline {
  title: number;
  /** Text, quote, stat value, icon: the scene's main element. */
  body: number;
  items: number[];
  /**
   * A stat's count-up, in seconds from `body` (absent: COUNT_UP_SECONDS).
   * Narration sets it to the span of the sentence that says the number, so
   * the number counts while it is spoken.
   */
  countSeconds?: number;
}

export interface RenderPlanScene {
  index: number;
  kind: PlannedSceneKind;
  layout: Layout;
  content: SceneContent;
  animation: Animation;
  /** First frame of the scene in the whole video. */
  startFrame: number;
  /** Length in frames; startFrame + frames is the next scene's startFrame. */
  frames: number;
  /**
   * Into the next scene. It overlaps this scene's last `frames` frames (the
   * video does not get longer): those frames blend this scene with the next
   * scene's first frame. The last scene's transition is { type: 'cut', frames: 0 }.
   */
  transition: { type: Transition; frames: number };
  timeline: SceneTimeline;
}

/** One caption drawn into the video (captions: "burned"): the spoken line, word by word. */
export interface BurnedCaption {
  startFrame: number;
  /** Exclusive: the caption is gone from this frame on. */
  endFrame: number;
  /** The cue's lines (at most 2 × 42 characters); a word is the current one from its startFrame until the next word's. */
  lines: Array<Array<{ text: string; startFrame: number }>>;
}

/** Everything needed to draw any frame of a video: plain data, JSON-serialisable. */
export interface RenderPlan {
  version: typeof SCENE_MODEL_VERSION;
  quality: Quality;
  aspect: Aspect;
  width: number;
  height: number;
  fps: number;
  theme: ThemeName;
  progressBar: boolean;
  scenes: RenderPlanScene[];
  totalFrames: number;
  /** Captions drawn over the scenes, in order, not overlapping (narrated jobs with captions: "burned"). */
  captions?: BurnedCaption[];
}
