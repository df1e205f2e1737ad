import { VidgenError } from './errors';
import type { JobConfiguration } from './job';
import type { SceneSpec } from './scene-model';
import { SPEECH_TAIL_SECONDS } from './render-plan';
import { MAX_PLANNED_DURATION_SECONDS, planScenes, sceneText } from './storyboard';

/**
 * Bounds on what one job may cost, checked at submit by validateGenerateRequest (pure: the
 * API calls it, tests call it, no I/O). Each limit is a number a client can read in the error.
 */

/**
 * Most characters (UTF-16 code units, as the schema's max counts) of text in one configuration:
 * topic, context and every string of every scene together. With lone surrogates refused, a
 * character takes at most 3 bytes in the stored JSON, so the configuration field stays under
 * 60 KB and the whole job record under 100 KB in Redis (apps/api/test/limits.test.ts measures it).
 */
export const MAX_CONFIGURATION_TEXT_CHARS = 20_000;

/** A UTF-16 surrogate not part of a pair: not text, and JSON.stringify writes it as 6 bytes (\udxxx). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Every string value under `value`, depth first (scenes nest items, chart labels, comparison sides). */
function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) yield* strings(v);
}

/** Characters of text in a configuration's topic, context and scenes. */
export function configurationTextChars(configuration: Pick<JobConfiguration, 'topic' | 'context' | 'scenes'>): number {
  let total = 0;
  for (const s of strings([configuration.topic, configuration.context, configuration.scenes])) total += s.length;
  return total;
}

/** Throws VALIDATION_FAILED when the configuration's text is over MAX_CONFIGURATION_TEXT_CHARS or is not well-formed Unicode. */
export function assertTextBound(configuration: Pick<JobConfiguration, 'topic' | 'context' | 'scenes'>): void {
  for (const field of ['topic', 'context', 'scenes'] as const) {
    for (const s of strings(configuration[field])) {
      if (LONE_SURROGATE.test(s)) {
        throw new VidgenError('VALIDATION_FAILED', { details: [{ field: `configuration.${field}`, message: 'contains a lone UTF-16 surrogate (\\ud800-\\udfff not part of a pair): not well-formed text', type: 'string.unicode' }] });
      }
    }
  }
  const chars = configurationTextChars(configuration);
  if (chars > MAX_CONFIGURATION_TEXT_CHARS) {
    throw new VidgenError('VALIDATION_FAILED', {
      details: [
        {
          field: 'configuration',
          message: `the configuration has ${chars} characters of text across topic, context and scenes; the limit is ${MAX_CONFIGURATION_TEXT_CHARS}`,
          type: 'text.max',
          limit: MAX_CONFIGURATION_TEXT_CHARS,
        },
      ],
    });
  }
}

/**
 * Speech rate of the default voice (espeak-ng `-v en -s 160`, what the worker runs), in characters
 * per second. Measured on this repository's sample sentences (docs/operations.md, "Rendered
 * length"): prose runs 14.4–16.6 characters a second. Characters, not words, because a word
 * count is what long digit strings and unspaced scripts escape: 1000 digits are one "word".
 */
export const SPEECH_CHARS_PER_SECOND = 15;
/** Digits are read out as number words ("1969" → "nineteen sixty-nine"): measured 2.8–6.8 per second, so each counts as two characters. */
export const SPEECH_DIGIT_WEIGHT = 2;
/** Longest scene: the schema's duration_seconds limit, which narration may not stretch past either. */
export const MAX_SCENE_SECONDS_WITH_SPEECH = 60;
/** Default of MAX_VIDEO_SECONDS: the planner's ceiling, today's limit. */
export const DEFAULT_MAX_VIDEO_SECONDS = MAX_PLANNED_DURATION_SECONDS;

/** Estimated seconds of speech for `text` at the default voice (0 for no text). */
export function speechSecondsEstimate(text: string): number {
  let weight = 0;
  for (const ch of text) weight += ch >= '0' && ch <= '9' ? SPEECH_DIGIT_WEIGHT : 1;
  return weight / SPEECH_CHARS_PER_SECOND;
}

export interface PlannedSceneLength {
  /** The scene's field in the request, for error details: configuration.scenes[i] or configuration.context. */
  field: string;
  /** Length without speech (stated, or reading time). */
  plannedSeconds: number;
  /** Estimated speech, 0 without narration. */
  speechSeconds: number;
  /** What the worker will render: the planned length, stretched to the speech plus its tail. */
  seconds: number;
}

/** What an explicit scene says when narrated: its `narration`, else every string it shows. */
function spokenText(scene: SceneSpec): string {
  if (scene.narration !== undefined) return scene.narration;
  const { narration: _said, ...shown } = scene;
  return [...strings(shown)].join('. ');
}

/** Each scene's expected rendered length, speech included when the job is narrated. */
export function plannedSceneLengths(configuration: Pick<JobConfiguration, 'topic' | 'context' | 'scenes' | 'narration' | 'planner_hints'>): PlannedSceneLength[] {
  const { scenes, narration } = configuration;
  return planScenes(configuration).map((scene, i) => {
    // An explicit scene speaks its narration, or else its own fields (whatever its layout has); a planned one what it shows.
    const spoken = scenes ? spokenText(scenes[i]!) : sceneText(scene.content);
    const speechSeconds = narration && spoken.trim() ? speechSecondsEstimate(spoken) : 0;
    const seconds = speechSeconds > 0 ? Math.max(scene.durationSeconds, speechSeconds + SPEECH_TAIL_SECONDS) : scene.durationSeconds;
    return { field: scenes ? `configuration.scenes[${i}]` : 'configuration.context', plannedSeconds: scene.durationSeconds, speechSeconds, seconds };
  });
}

/** The whole video's expected length in seconds, speech included (what quotas reserve). */
export function plannedVideoSeconds(configuration: Pick<JobConfiguration, 'topic' | 'context' | 'scenes' | 'narration' | 'planner_hints'>): number {
  return plannedSceneLengths(configuration).reduce((sum, s) => sum + s.seconds, 0);
}

/** What the deployment allows, for the bounds above (SubmitPolicy extends it). */
export interface LengthPolicy {
  /** MAX_VIDEO_SECONDS: the longest video, speech included; default DEFAULT_MAX_VIDEO_SECONDS. */
  maxVideoSeconds?: number;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Throws VALIDATION_FAILED when a narrated scene's estimated speech passes the 60 s scene limit,
 * or the video, speech included, passes MAX_VIDEO_SECONDS. Returns the planned length
 * (plannedVideoSeconds), so a submit plans the configuration once.
 */
export function assertLengthBound(configuration: JobConfiguration, policy: LengthPolicy = {}): number {
  const { maxVideoSeconds = DEFAULT_MAX_VIDEO_SECONDS } = policy;
  const target = configuration.planner_hints?.target_seconds;
  if (target !== undefined && target > maxVideoSeconds) {
    throw new VidgenError('VALIDATION_FAILED', {
      details: [{ field: 'configuration.planner_hints.target_seconds', message: `the target is ${target} s; the limit is ${maxVideoSeconds} s`, type: 'duration.max', limit: maxVideoSeconds }],
    });
  }
  const scenes = plannedSceneLengths(configuration);
  const tooLong = scenes.filter((s) => s.speechSeconds + SPEECH_TAIL_SECONDS > MAX_SCENE_SECONDS_WITH_SPEECH);
  if (tooLong.length > 0) {
    throw new VidgenError('VALIDATION_FAILED', {
      details: tooLong.map((s) => ({
        field: s.field,
        message: `its narration is estimated at ${round1(s.speechSeconds)} s (${SPEECH_CHARS_PER_SECOND} characters a second, digits count twice); a scene may last at most ${MAX_SCENE_SECONDS_WITH_SPEECH} s: shorten the text or split it into scenes`,
        type: 'duration.max',
        limit: MAX_SCENE_SECONDS_WITH_SPEECH,
      })),
    });
  }
  const total = scenes.reduce((sum, s) => sum + s.seconds, 0);
  if (total > maxVideoSeconds) {
    throw new VidgenError('VALIDATION_FAILED', {
      details: [
        {
          field: configuration.scenes ? 'configuration.scenes' : 'configuration.context',
          message: `the video is planned at ${round1(total)} s${configuration.narration ? ' with the estimated narration' : ''}; the limit is ${maxVideoSeconds} s`,
          type: 'duration.max',
          limit: maxVideoSeconds,
        },
      ],
    });
  }
  return total;
}

/**
 * The worker's backstop, after speech synthesis and before encoding: the scene lengths about
 * to be rendered (speech included) must fit MAX_VIDEO_SECONDS. The submit-time estimate keeps
 * this from firing; when it fires the estimate was wrong, and rendering would cost many times
 * what was admitted, so the job fails permanently with VIDEO_TOO_LONG (never retried: the same
 * text speaks the same length again).
 */
export function assertRenderedLength(sceneSeconds: readonly number[], maxVideoSeconds: number = DEFAULT_MAX_VIDEO_SECONDS): void {
  const total = sceneSeconds.reduce((sum, s) => sum + s, 0);
  if (total > maxVideoSeconds) {
    throw new VidgenError('VIDEO_TOO_LONG', {
      message: `With its narration the video would be ${round1(total)} s long; the limit is ${maxVideoSeconds} s.`,
      details: { duration_seconds: round1(total), limit_seconds: maxVideoSeconds, longest_scene_seconds: round1(Math.max(0, ...sceneSeconds)) },
    });
  }
}

/**
 * Every bound of this module, in the order a client would fix them; validateGenerateRequest calls it.
 * Returns the planned length in seconds, speech included (plannedVideoSeconds).
 */
export function assertWithinBounds(configuration: JobConfiguration, policy: LengthPolicy = {}): number {
  assertTextBound(configuration);
  return assertLengthBound(configuration, policy);
}
