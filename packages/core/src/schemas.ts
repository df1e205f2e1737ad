import Joi from 'joi';
import { VidgenError } from './errors';
import { JOB_STATUSES, STAGE_NAMES, TERMINAL_STATUSES } from './stages';
import { OUTPUT_FORMATS, OUTPUT_KINDS, QUALITIES, THEME_NAMES } from './job';
import { MAX_PLANNED_DURATION_SECONDS, plannedDurationSeconds } from './storyboard';
import { assertWithinBounds, type LengthPolicy } from './length-bound';
import type { GenerateRequest, JobResult } from './job';
import { ERROR_CATEGORIES } from './errors';

// C0 control characters and DEL; newline and tab are allowed only in long-form text.
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const NO_CONTROL_EXCEPT_NEWLINE_TAB = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;

export const sceneSpecSchema = Joi.object({
  title: Joi.string().trim().allow('').max(200).pattern(NO_CONTROL, 'no control characters'),
  text: Joi.string().trim().min(1).max(1000).pattern(NO_CONTROL_EXCEPT_NEWLINE_TAB, 'no control characters').required(),
  duration_seconds: Joi.number().min(1).max(60),
}).unknown(false);

export const jobConfigurationSchema = Joi.object({
  topic: Joi.string().trim().min(1).max(200).pattern(NO_CONTROL, 'no control characters').required(),
  context: Joi.string().trim().allow('').max(5000).pattern(NO_CONTROL_EXCEPT_NEWLINE_TAB, 'no control characters'),
  quality: Joi.string()
    .valid(...QUALITIES)
    .default('medium'),
  scenes: Joi.array().items(sceneSpecSchema).min(1).max(50),
  theme: Joi.string().valid(...THEME_NAMES),
  subtitles: Joi.boolean().default(true),
  narration: Joi.boolean().default(false),
  max_scene_concurrency: Joi.number().integer().min(1).max(8),
  // Absent means every format (DEFAULT_OUTPUT_FORMATS); not defaulted here, so stored configurations stay as sent.
  formats: Joi.array()
    .items(Joi.string().valid(...OUTPUT_FORMATS))
    .min(1)
    .unique(),
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
  rendition: Joi.string().pattern(/^\d{3,4}p$/),
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
}).unknown(false);

export interface FieldProblem {
  field: string;
  message: string;
  type: string;
}

export function joiProblems(error: Joi.ValidationError): FieldProblem[] {
  return error.details.map((d) => ({
    field: d.path.join('.') || '(body)',
    message: d.message.replace(/"/g, "'"),
    type: d.type,
  }));
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
  /** NARRATION_ENABLED: workers have espeak-ng. Absent means false. */
  narrationEnabled?: boolean;
}

/** The API's check of a submission: the shared schema, then what the deployment allows. */
export function validateGenerateRequest(body: unknown, policy: SubmitPolicy): GenerateRequest {
  const request = validate<GenerateRequest>(generateRequestSchema, body);
  if (request.configuration.quality === 'ultra' && !policy.allowUltra) {
    throw new VidgenError('QUALITY_NOT_ALLOWED', {
      details: [{ field: 'configuration.quality', message: "'ultra' needs ALLOW_ULTRA=true on this deployment", type: 'any.invalid' }],
    });
  }
  if (request.configuration.narration && !policy.narrationEnabled) {
    throw new VidgenError('VALIDATION_FAILED', {
      details: [{ field: 'configuration.narration', message: 'narration needs NARRATION_ENABLED=true on this deployment', type: 'any.invalid' }],
    });
  }
  assertWithinBounds(request.configuration, policy);
  const planned = plannedDurationSeconds(request.configuration);
  if (planned > MAX_PLANNED_DURATION_SECONDS) {
    throw new VidgenError('VALIDATION_FAILED', {
      details: [
        {
          field: request.configuration.scenes ? 'configuration.scenes' : 'configuration.context',
          message: `the planned video is ${planned} s long; the limit is ${MAX_PLANNED_DURATION_SECONDS} s`,
          type: 'duration.max',
        },
      ],
    });
  }
  return request;
}

export function validateJobResult(result: unknown): JobResult {
  return validate<JobResult>(jobResultSchema, result);
}
