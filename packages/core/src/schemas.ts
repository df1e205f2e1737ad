import Joi from 'joi';
import { VidgenError } from './errors';
import { JOB_STATUSES, STAGE_NAMES, TERMINAL_STATUSES } from './stages';
import { OUTPUT_FORMATS, QUALITIES, THEME_NAMES } from './job';
import { OUTPUT_KINDS } from './output';
import { assertWithinBounds, type LengthPolicy } from './length-bound';
import type { GenerateRequest, JobResult } from './job';
import { ERROR_CATEGORIES } from './errors';
import { ANIMATIONS, ASPECTS, CHART_TYPES, LAYOUTS, LAYOUT_FIELDS, SCENE_LIMITS, TRANSITIONS, type SceneContent } from './scene-model';
import { ICON_SET, isIconName } from './icons';
import { MAX_PLANNED_DURATION_SECONDS } from './storyboard';
import { checkVoiceFields, effectiveNarration, sceneNarrationSchema, voiceConfigurationKeys } from './voice-fields';

// C0 control characters and DEL; newline and tab are allowed only in long-form text.
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const NO_CONTROL_EXCEPT_NEWLINE_TAB = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;

const line = (max: number) => Joi.string().trim().max(max).pattern(NO_CONTROL, 'no control characters');
const finite = () => Joi.number().min(-SCENE_LIMITS.absNumberMax).max(SCENE_LIMITS.absNumberMax);
const items = (max: number, itemMax: number) => Joi.array().items(line(itemMax).min(1)).min(SCENE_LIMITS.itemsMin).max(max);

/** Where a client finds the icon names (the details of an unknown icon say so). */
export const ICON_LIST_LINK = `GET /api/v1/capabilities (icons) or ${ICON_SET.url}`;

const chartSchema = Joi.object({
  type: Joi.string()
    .valid(...CHART_TYPES)
    .required(),
  labels: Joi.array().items(line(SCENE_LIMITS.chartLabel).min(1)).min(SCENE_LIMITS.chartPointsMin).max(SCENE_LIMITS.chartPointsMax).required(),
  values: Joi.array()
    .items(finite().required())
    .min(SCENE_LIMITS.chartPointsMin)
    .max(SCENE_LIMITS.chartPointsMax)
    .required()
    .custom((values: number[], helpers) => {
      const chart = helpers.state.ancestors[0] as { labels?: unknown; type?: unknown };
      if (Array.isArray(chart.labels) && chart.labels.length !== values.length) {
        return helpers.error('chart.lengths', { labels: chart.labels.length, values: values.length });
      }
      if (chart.type === 'pie' && (values.some((v) => v < 0) || !values.some((v) => v > 0))) return helpers.error('chart.pie');
      return values;
    })
    .messages({
      'chart.lengths': '{{#label}} has {{#values}} values for {{#labels}} labels: a chart needs one value per label',
      'chart.pie': '{{#label}} of a pie chart must be zero or more, and not all zero',
    }),
  unit: line(SCENE_LIMITS.chartUnit).allow(''),
}).unknown(false);

const comparisonSide = Joi.object({
  heading: line(SCENE_LIMITS.comparisonHeading).min(1).required(),
  items: items(SCENE_LIMITS.comparisonItemsMax, SCENE_LIMITS.comparisonItem).required(),
}).unknown(false);

/** The value schema of each content field (whether a layout takes it is decided below). */
const CONTENT_FIELDS: Record<keyof SceneContent, Joi.Schema> = {
  title: line(SCENE_LIMITS.title).allow(''),
  text: Joi.string().trim().min(1).max(SCENE_LIMITS.text).pattern(NO_CONTROL_EXCEPT_NEWLINE_TAB, 'no control characters'),
  items: items(SCENE_LIMITS.itemsMax, SCENE_LIMITS.item),
  value: finite(),
  prefix: line(SCENE_LIMITS.prefix).allow(''),
  suffix: line(SCENE_LIMITS.suffix).allow(''),
  label: line(SCENE_LIMITS.label).allow(''),
  chart: chartSchema,
  quote: Joi.string().trim().min(1).max(SCENE_LIMITS.quote).pattern(NO_CONTROL_EXCEPT_NEWLINE_TAB, 'no control characters'),
  attribution: line(SCENE_LIMITS.attribution).allow(''),
  icon: Joi.string()
    .max(64)
    .custom((name: string, helpers) => (isIconName(name) ? name : helpers.error('icon.unknown')))
    .messages({ 'icon.unknown': `{{#label}} is not an icon of the bundled set (${ICON_SET.name}); the names: ${ICON_LIST_LINK}` }),
  left: comparisonSide,
  right: comparisonSide,
};

/** The value schema of each scene content field, for the JSON Schema a language model is given (json-schema.ts). */
export const SCENE_CONTENT_FIELD_SCHEMAS: Readonly<Record<keyof SceneContent, Joi.Schema>> = CONTENT_FIELDS;

/** Each layout's fields, as the refusal of an unused field lists them. */
const FIELDS_OF: Record<string, string> = Object.fromEntries(LAYOUTS.map((l) => [l, [...LAYOUT_FIELDS[l].required, ...LAYOUT_FIELDS[l].optional].join(', ')]));

/**
 * One content field across every layout: the field's schema (required where
 * the layout needs it) for layouts that use it, a clear refusal for layouts
 * that don't, and for the old shape (no layout) title and text only.
 */
function contentField(field: keyof SceneContent): Joi.Schema {
  const base = CONTENT_FIELDS[field];
  const requiring = LAYOUTS.filter((l) => LAYOUT_FIELDS[l].required.includes(field));
  const allowing = LAYOUTS.filter((l) => LAYOUT_FIELDS[l].optional.includes(field));
  const users = [...LAYOUTS.filter((l) => requiring.includes(l) || allowing.includes(l))].join(', ');
  // One refusal for every layout that doesn't take the field; it names the scene's layout from the value it sees.
  const unused = Joi.any()
    .custom((_value, helpers) => {
      const layout = String((helpers.state.ancestors[0] as { layout?: unknown }).layout);
      return helpers.error('scene.fieldUnused', { layout, fields: FIELDS_OF[layout] ?? '', users });
    })
    .messages({ 'scene.fieldUnused': "{{#label}} is not used by layout '{{#layout}}' (its fields: {{#fields}}); layouts that use it: {{#users}}" });
  const required = field === 'title' ? line(SCENE_LIMITS.title).min(1).required() : base.required();
  // No layout: the old shape {title?, text, duration_seconds?}; text is needed unless a title is given.
  const oldShape =
    field === 'text'
      ? base.when('title', {
          is: Joi.string().min(1).required(),
          otherwise: Joi.required().messages({ 'any.required': "{{#label}} is required (a scene without a 'layout' needs text, or a title alone)" }),
        })
      : field === 'title'
        ? base
        : Joi.any().forbidden().messages({ 'any.unknown': `{{#label}} needs a layout; layouts that use it: ${users}` });
  return Joi.when('layout', {
    switch: [
      ...(requiring.length ? [{ is: Joi.valid(...requiring).required(), then: required }] : []),
      ...(allowing.length ? [{ is: Joi.valid(...allowing).required(), then: base }] : []),
      { is: Joi.valid(...LAYOUTS).required(), then: unused },
    ],
    otherwise: oldShape,
  });
}

/**
 * A scene of configuration.scenes[]: a layout with the content fields
 * LAYOUT_FIELDS gives it, or the old shape {title?, text, duration_seconds?},
 * which plans as a `text` scene (a `title` scene when only a title is given).
 */
export const sceneSpecSchema = Joi.object({
  layout: Joi.string().valid(...LAYOUTS),
  ...Object.fromEntries((Object.keys(CONTENT_FIELDS) as Array<keyof SceneContent>).map((f) => [f, contentField(f)])),
  duration_seconds: Joi.number().min(SCENE_LIMITS.sceneSecondsMin).max(SCENE_LIMITS.sceneSecondsMax),
  transition: Joi.string().valid(...TRANSITIONS),
  animation: Joi.string().valid(...ANIMATIONS),
  // What is said in the scene, whatever its layout shows (issue 14); only with narration.
  narration: sceneNarrationSchema,
}).unknown(false);

/** configuration.planner_hints: short guidance lines; target_seconds is also checked against MAX_VIDEO_SECONDS at submit. */
export const plannerHintsSchema = Joi.object({
  audience: line(80).min(1),
  tone: line(40).min(1),
  target_seconds: Joi.number().integer().min(5).max(MAX_PLANNED_DURATION_SECONDS),
  // BCP 47 in its common shape: a language and optional subtags (en, de-CH, zh-Hant-TW).
  language: Joi.string().max(35).pattern(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag'),
}).unknown(false);

export const jobConfigurationSchema = Joi.object({
  topic: Joi.string().trim().min(1).max(200).pattern(NO_CONTROL, 'no control characters').required(),
  context: Joi.string().trim().allow('').max(5000).pattern(NO_CONTROL_EXCEPT_NEWLINE_TAB, 'no control characters'),
  quality: Joi.string()
    .valid(...QUALITIES)
    .default('medium'),
  scenes: Joi.array().items(sceneSpecSchema).min(1).max(SCENE_LIMITS.scenesMax),
  theme: Joi.string().valid(...THEME_NAMES),
  // Not defaulted here (16:9 and no bar when absent), so stored configurations stay as sent.
  aspect: Joi.string().valid(...ASPECTS),
  progress_bar: Joi.boolean(),
  // Not defaulted here: at submit an absent value follows narration (spoken captions on, on-screen text off).
  subtitles: Joi.boolean(),
  // Not defaulted here: an absent value gets the deployment's NARRATION_DEFAULT at submit (validateGenerateRequest).
  narration: Joi.boolean(),
  ...voiceConfigurationKeys,
  max_scene_concurrency: Joi.number().integer().min(1).max(8),
  // Absent means every format (DEFAULT_OUTPUT_FORMATS); not defaulted here, so stored configurations stay as sent.
  formats: Joi.array()
    .items(Joi.string().valid(...OUTPUT_FORMATS))
    .min(1)
    .unique(),
  planner_hints: plannerHintsSchema,
})
  .unknown(false)
  .required();

/** A webhook receiver: http(s) only; whether its address is public is checked at delivery time, after DNS. */
export const callbackUrlSchema = Joi.string().uri({ scheme: ['http', 'https'] }).max(2048);

export const generateRequestSchema = Joi.object({
  configuration: jobConfigurationSchema,
  callback_url: callbackUrlSchema,
})
  .unknown(false)
  .required();

export const outputRecordSchema = Joi.object({
  kind: Joi.string()
    .valid(...OUTPUT_KINDS)
    .required(),
  key: Joi.string().min(1).max(1024).required(),
  size_bytes: Joi.number().integer().min(0).required(),
  content_type: Joi.string().min(1).max(255).required(),
  width: Joi.number().integer().min(1),
  height: Joi.number().integer().min(1),
  // A video rendition's label (480p…) or the HLS subtitles rendition (pipeline's HLS_SUBTITLES_LABEL).
  rendition: Joi.string().pattern(/^(\d{3,4}p|subs)$/),
  time_seconds: Joi.number().min(0).description("A thumbnail's instant in the video, in seconds: where its frame was taken."),
  i_frames: Joi.boolean().valid(true).description("Present (true) on a rendition's I-frame playlist, an hls_playlist the master names in EXT-X-I-FRAME-STREAM-INF."),
}).unknown(false);

export const jobResultSchema = Joi.object({
  outputs: Joi.array().items(outputRecordSchema).min(1).required(),
  duration_seconds: Joi.number().min(0).required(),
}).unknown(false);

const isoDate = Joi.string().isoDate();

export const jobErrorSchema = Joi.object({
  code: Joi.string().required(),
  category: Joi.string()
    .valid(...ERROR_CATEGORIES)
    .required(),
  message: Joi.string().required(),
  suggested_action: Joi.string().required(),
  retryable: Joi.boolean().required(),
  stage: Joi.string()
    .valid(...STAGE_NAMES)
    .allow(null)
    .required(),
  attempt: Joi.number().integer().min(0).required(),
  occurred_at: isoDate.required(),
  details: Joi.any(),
}).unknown(false);

export const jobRecordSchema = Joi.object({
  job_id: Joi.string().required(),
  owner: Joi.string().required(),
  correlation_id: Joi.string().required(),
  status: Joi.string()
    .valid(...JOB_STATUSES)
    .required(),
  progress: Joi.object({
    percentage: Joi.number().min(0).max(100).required(),
    stage: Joi.string()
      .valid(...STAGE_NAMES, ...TERMINAL_STATUSES)
      .required(),
  }).required(),
  configuration: jobConfigurationSchema,
  attempt: Joi.number().integer().min(0).required(),
  created_at: isoDate.required(),
  updated_at: isoDate.required(),
  started_at: isoDate.allow(null).required(),
  completed_at: isoDate.allow(null).required(),
  error: jobErrorSchema.allow(null).required(),
  result: jobResultSchema.allow(null).required(),
  callback_url: callbackUrlSchema.allow(null),
  warnings: Joi.array().items(
    Joi.object({
      code: Joi.string().required(),
      stage: Joi.string()
        .valid(...STAGE_NAMES)
        .required(),
      message: Joi.string().required(),
      details: Joi.any(),
    }).unknown(false),
  ),
}).unknown(false);

export interface FieldProblem {
  field: string;
  message: string;
  type: string;
  /** Where to look the allowed values up (an unknown icon or voice: the capabilities route). */
  see?: string;
  /** The values the field may take, when they are a list (an enum: music.preset, captions, quality...). */
  allowed?: readonly unknown[];
}

/** Fields whose allowed values live on the capabilities route rather than in the schema. */
const SEE_CAPABILITIES = new Set(['icon.unknown']);

export function joiProblems(error: Joi.ValidationError): FieldProblem[] {
  return error.details.map((d) => {
    const field = d.path.join('.') || '(body)';
    const valids = d.type === 'any.only' && Array.isArray(d.context?.valids) ? (d.context.valids as unknown[]) : undefined;
    return {
      field,
      message: d.message.replace(/"/g, "'"),
      type: d.type,
      ...(valids ? { allowed: valids } : {}),
      ...(SEE_CAPABILITIES.has(d.type) || field === 'configuration.voice' ? { see: '/api/v1/capabilities' } : {}),
    };
  });
}

/** Validates with every problem reported; throws VALIDATION_FAILED with the offending fields in details. */
export function validate<T>(schema: Joi.Schema, value: unknown): T {
  const { error, value: out } = schema.validate(value, { abortEarly: false, convert: true });
  if (error) {
    throw new VidgenError('VALIDATION_FAILED', { details: joiProblems(error) });
  }
  return out as T;
}

export interface SubmitPolicy extends LengthPolicy {
  allowUltra: boolean;
  /** NARRATION_ENABLED: the workers have a narration engine. Absent means false. */
  narrationEnabled?: boolean;
  /** NARRATION_DEFAULT: what a job that does not say gets (only with narrationEnabled). */
  narrationDefault?: boolean;
  /**
   * The voice ids live workers announce (listLiveVoices), first the default.
   * Read only when the configuration names a voice, so a caller may pass []
   * for a body without one and spare the lookup.
   */
  liveVoices?: readonly string[];
}

/** Whether a submitted body names a voice (before validation): the API looks the live voices up only then. */
export function namesVoice(body: unknown): boolean {
  const configuration = (body as { configuration?: { voice?: unknown } } | null)?.configuration;
  return typeof configuration === 'object' && configuration !== null && configuration.voice !== undefined;
}

/** A submission that passed every check, with its planned length (what fair share and quotas charge). */
export interface CheckedSubmission {
  request: GenerateRequest;
  /** plannedVideoSeconds of the configuration: speech included, computed once by the length bound. */
  plannedSeconds: number;
}

/**
 * The API's check of a submission: the shared schema, then what the deployment allows. The
 * configuration is planned once (assertWithinBounds), and that plan's length comes back with it.
 */
export function checkGenerateRequest(body: unknown, policy: SubmitPolicy): CheckedSubmission {
  const request = validate<GenerateRequest>(generateRequestSchema, body);
  if (request.configuration.quality === 'ultra' && !policy.allowUltra) {
    throw new VidgenError('QUALITY_NOT_ALLOWED', {
      details: [{ field: 'configuration.quality', message: "'ultra' needs ALLOW_ULTRA=true on this deployment", type: 'any.invalid' }],
    });
  }
  const voicePolicy = { narrationEnabled: policy.narrationEnabled === true, narrationDefault: policy.narrationDefault, liveVoices: policy.liveVoices ?? [] };
  checkVoiceFields(request.configuration, voicePolicy);
  request.configuration.narration = effectiveNarration(request.configuration, voicePolicy);
  // Captions of what is spoken are on unless refused; the on-screen text repeated as captions only when asked for.
  request.configuration.subtitles ??= request.configuration.narration;
  // MAX_VIDEO_SECONDS is at most MAX_PLANNED_DURATION_SECONDS (600, the config schema's ceiling), so this
  // bound also keeps the plan under the planner's ceiling; a second planning pass against 600 s is not needed.
  const plannedSeconds = assertWithinBounds(request.configuration, policy);
  return { request, plannedSeconds };
}

/** checkGenerateRequest without the planned length. */
export function validateGenerateRequest(body: unknown, policy: SubmitPolicy): GenerateRequest {
  return checkGenerateRequest(body, policy).request;
}

export function validateJobResult(result: unknown): JobResult {
  return validate<JobResult>(jobResultSchema, result);
}
