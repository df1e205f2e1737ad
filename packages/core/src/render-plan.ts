import { QUALITY_PRESETS, type JobConfiguration, type Quality, type ThemeName } from './job';
import { DEFAULT_ASPECT, SCENE_LIMITS, SCENE_MODEL_VERSION, TRANSITION_SECONDS, type Aspect, type PlannedScene, type RenderPlan, type RenderPlanScene, type SceneTimeline } from './scene-model';
import { sceneTimeline, timelineEndSeconds } from './scene-timing';
import { planScenes, type PlanInput } from './storyboard';

/**
 * Planned scenes → a RenderPlan: the frame size, and for every scene its
 * frames, where it starts, its transition in frames and when each element
 * enters. Pure; the plan is plain data, so any render unit on any worker
 * draws any frame from it alone.
 */

export const DEFAULT_THEME_NAME: ThemeName = 'dark';
/** Narration: a scene outlasts its speech by this much, so a voice never runs into the next scene. */
export const SPEECH_TAIL_SECONDS = 0.6;

/** The frame size of a quality in an aspect: each quality keeps its short side (medium: 1280×720, 720×1280, 720×720); always even, as yuv420p needs. */
export function frameSizeFor(quality: Quality, aspect: Aspect): { width: number; height: number } {
  const preset = QUALITY_PRESETS[quality];
  const even = (n: number) => Math.round(n / 2) * 2;
  const short = even(Math.min(preset.width, preset.height));
  const long = even(Math.max(preset.width, preset.height));
  if (aspect === '9:16') return { width: short, height: long };
  if (aspect === '1:1') return { width: short, height: short };
  return { width: long, height: short };
}

export type RenderPlanConfiguration = Partial<Pick<JobConfiguration, 'quality' | 'aspect' | 'theme' | 'progress_bar'>>;

/** A narrated scene's speech, as the plan needs it (plain data, from the synthesizer's timings). */
export interface SceneSpeech {
  /** Seconds of speech from the scene's start (the voice is placed at the scene's first frame). */
  seconds: number;
  /** Entrances timed to the words (each built item as it is spoken); absent: the reading-time timeline. */
  timeline?: SceneTimeline;
  /** A length the author asked for (duration_seconds): the scene lasts at least this. */
  minSeconds?: number;
}

export interface RenderPlanOptions {
  /**
   * Narration per scene (null: the scene says nothing). A narrated scene
   * lasts its speech plus SPEECH_TAIL_SECONDS (not its reading time), at
   * least its minSeconds and long enough for its entrances to finish before
   * its outgoing transition.
   */
  speech?: ReadonlyArray<SceneSpeech | null>;
}

/**
 * Entrances that would end after the scene shows by itself (before its
 * outgoing transition) are pulled in proportionally, so nothing enters
 * unseen in a scene given a short duration_seconds.
 */
function fitTimeline(scene: PlannedScene, timeline: SceneTimeline, availableSeconds: number): SceneTimeline {
  const end = timelineEndSeconds(scene.layout, timeline, scene.animation);
  const lastStart = Math.max(timeline.title, timeline.body, ...timeline.items);
  if (end <= availableSeconds || lastStart <= 0) return timeline;
  const factor = Math.max(0, availableSeconds - (end - lastStart)) / lastStart;
  const scale = (t: number) => Math.round(t * factor * 1000) / 1000;
  return { title: scale(timeline.title), body: scale(timeline.body), items: timeline.items.map(scale) };
}

export function buildRenderPlan(configuration: RenderPlanConfiguration, plannedScenes: readonly PlannedScene[], options: RenderPlanOptions = {}): RenderPlan {
  const quality = configuration.quality ?? 'medium';
  const aspect = configuration.aspect ?? DEFAULT_ASPECT;
  const { fps } = QUALITY_PRESETS[quality];
  const { width, height } = frameSizeFor(quality, aspect);
  let startFrame = 0;
  const scenes = plannedScenes.map((scene, index): RenderPlanScene => {
    const speech = options.speech?.[index] ?? null;
    const last = index === plannedScenes.length - 1;
    const type = last ? 'cut' : scene.transition;
    const spokenTimeline = speech?.timeline ?? null;
    let seconds = scene.durationSeconds;
    if (speech) {
      const visualsEnd = spokenTimeline ? timelineEndSeconds(scene.layout, spokenTimeline, scene.animation) + (type === 'cut' ? 0 : TRANSITION_SECONDS) : 0;
      seconds = Math.max(SCENE_LIMITS.sceneSecondsMin, speech.seconds + SPEECH_TAIL_SECONDS, speech.minSeconds ?? 0, visualsEnd);
    }
    // The epsilon keeps 3 s × 30 fps at 90 frames despite binary fractions.
    const frames = Math.max(1, Math.ceil(seconds * fps - 1e-9));
    // A transition takes at most half the scene, so every scene also shows by itself.
    const transitionFrames = type === 'cut' ? 0 : Math.min(Math.round(TRANSITION_SECONDS * fps), Math.floor(frames / 2));
    // A spoken timeline fits by construction (the scene outlasts its speech and its entrances).
    const timeline = spokenTimeline ? { ...spokenTimeline, items: [...spokenTimeline.items] } : fitTimeline(scene, sceneTimeline(scene.layout, scene.content, scene.animation), (frames - transitionFrames) / fps);
    const planned: RenderPlanScene = {
      index,
      kind: scene.kind,
      layout: scene.layout,
      content: scene.content,
      animation: scene.animation,
      startFrame,
      frames,
      transition: { type, frames: transitionFrames },
      timeline,
    };
    startFrame += frames;
    return planned;
  });
  return {
    version: SCENE_MODEL_VERSION,
    quality,
    aspect,
    width,
    height,
    fps,
    theme: configuration.theme ?? DEFAULT_THEME_NAME,
    progressBar: configuration.progress_bar ?? false,
    scenes,
    totalFrames: startFrame,
  };
}

/** The plan a configuration renders (before narration lengthens any scene). */
export function planVideo(configuration: PlanInput & RenderPlanConfiguration): RenderPlan {
  return buildRenderPlan(configuration, planScenes(configuration));
}

/** Total planned seconds of a configuration (its render plan's length), speech not included; the API's bound is assertWithinBounds (length-bound.ts), which adds the speech estimate. */
export function plannedDurationSeconds(configuration: PlanInput & RenderPlanConfiguration): number {
  const plan = planVideo(configuration);
  return Math.round((plan.totalFrames / plan.fps) * 1000) / 1000;
}
