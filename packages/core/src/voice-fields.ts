import Joi from 'joi';
import { VidgenError } from './errors';
import { MAX_PLANNED_DURATION_SECONDS } from './storyboard';

/**
 * The voice and sound fields of a job configuration (issue 14): pieces the
 * joi schema composes, and the checks against what the deployment and its
 * live workers offer, which a schema cannot know.
 *
 *   configuration.voice            "<engine>:<name>", one of the live workers' voices
 *   configuration.music            { preset: none | calm | bright, volume?: 0..1 }
 *   configuration.captions         "burned" | "sidecar"
 *   configuration.scenes[i].narration   what is said in the scene (what is shown stays in its text fields)
 */

export const MUSIC_PRESET_NAMES = ['none', 'calm', 'bright'] as const;
export type MusicPresetName = (typeof MUSIC_PRESET_NAMES)[number];
export const CAPTION_MODES = ['burned', 'sidecar'] as const;
export type CaptionMode = (typeof CAPTION_MODES)[number];
export const TTS_ENGINE_NAMES = ['festival', 'flite', 'espeak'] as const;

/**
 * Characters per second of speech of the default voice (Festival,
 * cmu_us_slt_arctic_hts), measured with `pnpm bench:tts` (15.3; flite 15.4,
 * espeak-ng 15.9 at 160 wpm): what turns narration text into an expected
 * length before it is synthesized.
 */
export const NARRATION_CHARS_PER_SECOND = 15;

export const NARRATION_LIMITS = Object.freeze({
  /** One scene's narration: about 40 s of speech, inside the 60 s a scene may last. */
  sceneChars: 600,
  /** All narration of a job: what the default voice speaks in the longest video a job may plan. */
  totalChars: MAX_PLANNED_DURATION_SECONDS * NARRATION_CHARS_PER_SECOND,
});

/** Expected seconds of speech of a text in the default voice. Pure. */
export function estimatedSpeechSeconds(text: string): number {
  return [...text.replace(/\s+/g, ' ').trim()].length / NARRATION_CHARS_PER_SECOND;
}

// Control characters other than newline and tab are refused (the same rule as the scene text).
const NO_CONTROL_EXCEPT_NEWLINE_TAB = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;
const SAYS_SOMETHING = /[\p{L}\p{N}]/u;

/** `<engine>:<voice name>`: the shape of every voice id workers announce. */
export const VOICE_ID = /^(festival|flite|espeak):[A-Za-z0-9_-]{1,64}$/;

export const voiceSchema = Joi.string().pattern(VOICE_ID, '<engine>:<voice name>');

/** A scene's narration: trimmed, 1..sceneChars characters, with at least one letter or digit, no control characters. */
export const sceneNarrationSchema = Joi.string()
  .trim()
  .min(1)
  .max(NARRATION_LIMITS.sceneChars)
  .pattern(NO_CONTROL_EXCEPT_NEWLINE_TAB, 'no control characters')
  .pattern(SAYS_SOMETHING, 'something to say (a letter or a digit)');

export const musicSchema = Joi.object({
  preset: Joi.string()
    .valid(...MUSIC_PRESET_NAMES)
    .required(),
  volume: Joi.number().min(0).max(1),
}).unknown(false);

export const captionsSchema = Joi.string().valid(...CAPTION_MODES);

/** The configuration keys, to spread into jobConfigurationSchema's keys (scene narration goes into the scene schema). */
export const voiceConfigurationKeys = Object.freeze({ voice: voiceSchema, music: musicSchema, captions: captionsSchema });

/** What the checks read of a configuration (after the schema). */
export interface VoiceFieldsInput {
  narration?: boolean;
  voice?: string;
  music?: { preset: MusicPresetName; volume?: number };
  captions?: CaptionMode;
  scenes?: ReadonlyArray<{ narration?: string }>;
}

export interface VoicePolicy {
  /** NARRATION_ENABLED: the deployment's workers can narrate. */
  narrationEnabled: boolean;
  /** NARRATION_DEFAULT: a job that does not say gets narration. */
  narrationDefault?: boolean;
  /** Voice ids of the live workers (listLiveVoices in @vidgen/queue); the first is the default. */
  liveVoices: readonly string[];
}

export interface VoiceFieldProblem {
  field: string;
  message: string;
  type: string;
  /** The values the field may take, when there is a list. */
  allowed?: readonly string[];
}

/** Whether the job is narrated: what it says, else the deployment's default. Pure. */
export function effectiveNarration(configuration: VoiceFieldsInput, policy: Pick<VoicePolicy, 'narrationEnabled' | 'narrationDefault'>): boolean {
  if (configuration.narration !== undefined) return configuration.narration;
  return policy.narrationEnabled && policy.narrationDefault === true;
}

/**
 * Every problem of the voice fields against the deployment and the live
 * voices, each with its field (and the allowed values where there is a list).
 * Pure; checkVoiceFields throws them.
 */
export function voiceFieldProblems(configuration: VoiceFieldsInput, policy: VoicePolicy): VoiceFieldProblem[] {
  const problems: VoiceFieldProblem[] = [];
  const narrated = effectiveNarration(configuration, policy);
  const sceneNarration = (configuration.scenes ?? []).map((s, i) => ({ i, text: s.narration })).filter((s) => s.text !== undefined);
  if (!policy.narrationEnabled) {
    const off = 'needs NARRATION_ENABLED=true on this deployment';
    if (configuration.narration === true) problems.push({ field: 'configuration.narration', message: `narration ${off}`, type: 'any.invalid', allowed: ['false'] });
    if (configuration.voice !== undefined) problems.push({ field: 'configuration.voice', message: `a voice ${off}`, type: 'any.invalid' });
    for (const s of sceneNarration) problems.push({ field: `configuration.scenes.${s.i}.narration`, message: `scene narration ${off}`, type: 'any.invalid' });
  } else {
    if (configuration.voice !== undefined && !policy.liveVoices.includes(configuration.voice) && policy.liveVoices.length > 0) {
      problems.push({
        field: 'configuration.voice',
        message: `'${configuration.voice}' is not offered by any live worker; one of: ${policy.liveVoices.join(', ')}`,
        type: 'any.only',
        allowed: [...policy.liveVoices],
      });
    }
    if (!narrated) {
      if (configuration.voice !== undefined) problems.push({ field: 'configuration.voice', message: 'a voice needs narration: true', type: 'any.invalid' });
      for (const s of sceneNarration) problems.push({ field: `configuration.scenes.${s.i}.narration`, message: 'scene narration needs narration: true', type: 'any.invalid' });
    }
  }
  if (configuration.captions === 'burned' && !narrated) {
    problems.push({ field: 'configuration.captions', message: "'burned' captions show the spoken line and need narration", type: 'any.invalid', allowed: ['sidecar'] });
  }
  const total = sceneNarration.reduce((n, s) => n + [...(s.text ?? '')].length, 0);
  if (total > NARRATION_LIMITS.totalChars) {
    problems.push({ field: 'configuration.scenes', message: `the narration is ${total} characters long; the limit is ${NARRATION_LIMITS.totalChars} (about ${MAX_PLANNED_DURATION_SECONDS} s of speech)`, type: 'narration.max' });
  }
  return problems;
}

/**
 * The API's check of the voice fields after the schema: 400 VALIDATION_FAILED
 * listing every problem (an unknown voice with the live voices as allowed
 * values); 503 VOICES_UNAVAILABLE, retryable, when the job names a voice
 * while no worker is announcing any (they may be restarting).
 */
export function checkVoiceFields(configuration: VoiceFieldsInput, policy: VoicePolicy): void {
  const problems = voiceFieldProblems(configuration, policy);
  if (problems.length > 0) throw new VidgenError('VALIDATION_FAILED', { details: problems });
  if (policy.narrationEnabled && configuration.voice !== undefined && policy.liveVoices.length === 0) {
    throw new VidgenError('VOICES_UNAVAILABLE', { details: { field: 'configuration.voice' } });
  }
}
