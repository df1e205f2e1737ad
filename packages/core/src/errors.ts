/**
 * The error taxonomy. Every error the system reports, over HTTP or on a job
 * record, has one of these codes; the code decides category, HTTP status,
 * whether a retry can help, and what the person reading it should do.
 * Later work adds codes here, never new shapes.
 */
export const ERROR_CATEGORIES = [
  'validation',
  'authentication',
  'authorization',
  'not_found',
  'conflict',
  'rate_limited',
  'dependency_unavailable',
  'storage',
  'rendering',
  'timeout',
  'cancelled',
  'internal',
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

export interface ErrorDefinition {
  readonly category: ErrorCategory;
  readonly status: number;
  readonly retryable: boolean;
  readonly message: string;
  readonly suggestedAction: string;
}

function define<T extends Record<string, ErrorDefinition>>(table: T): { readonly [K in keyof T]: ErrorDefinition } {
  return Object.freeze(table);
}

export const ERROR_CODES = define({
  VALIDATION_FAILED: {
    category: 'validation',
    status: 400,
    retryable: false,
    message: 'The request is invalid.',
    suggestedAction: 'Fix the fields listed in details and send the request again.',
  },
  MALFORMED_JSON: {
    category: 'validation',
    status: 400,
    retryable: false,
    message: 'The request body is not valid JSON.',
    suggestedAction: 'Send a JSON body with Content-Type: application/json.',
  },
  PAYLOAD_TOO_LARGE: {
    category: 'validation',
    status: 413,
    retryable: false,
    message: 'The request body is larger than the 1 MiB limit.',
    suggestedAction: 'Send a smaller body; split long storyboards into several jobs.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    category: 'validation',
    status: 415,
    retryable: false,
    message: 'The request body must be JSON.',
    suggestedAction: 'Send the body with Content-Type: application/json.',
  },
  QUALITY_NOT_ALLOWED: {
    category: 'validation',
    status: 400,
    retryable: false,
    message: 'This deployment does not render the requested quality.',
    suggestedAction: 'Choose low, medium or high, or ask the operator to set ALLOW_ULTRA=true.',
  },
  METHOD_NOT_ALLOWED: {
    category: 'validation',
    status: 405,
    retryable: false,
    message: 'This method is not allowed on this path.',
    suggestedAction: 'Use one of the methods listed in the Allow header.',
  },
  UNAUTHENTICATED: {
    category: 'authentication',
    status: 401,
    retryable: false,
    message: 'A valid API key is required.',
    suggestedAction: 'Send Authorization: Bearer <api key> with a key issued to you.',
  },
  ROUTE_NOT_FOUND: {
    category: 'not_found',
    status: 404,
    retryable: false,
    message: 'No such endpoint.',
    suggestedAction: 'Check the path against the API reference in the README.',
  },
  JOB_NOT_FOUND: {
    category: 'not_found',
    status: 404,
    retryable: false,
    message: 'No such job.',
    suggestedAction: 'Check the job id; jobs are visible only to the API key owner that created them.',
  },
  DEPENDENCY_UNAVAILABLE: {
    category: 'dependency_unavailable',
    status: 503,
    retryable: true,
    message: 'A service this request depends on is unavailable.',
    suggestedAction: 'Retry in a few seconds; if it persists, the operator should check Redis and S3 health.',
  },
  REDIS_UNAVAILABLE: {
    category: 'dependency_unavailable',
    status: 503,
    retryable: true,
    message: 'The job store (Redis) is unavailable.',
    suggestedAction: 'Retry in a few seconds; if it persists, the operator should check Redis.',
  },
  STORAGE_UPLOAD_FAILED: {
    category: 'storage',
    status: 502,
    retryable: true,
    message: 'Uploading the output to object storage failed.',
    suggestedAction: 'The job is retried automatically; if it keeps failing, check S3 credentials, bucket and connectivity.',
  },
  STORAGE_SIZE_MISMATCH: {
    category: 'storage',
    status: 502,
    retryable: true,
    message: 'The stored object does not have the size of the uploaded file.',
    suggestedAction: 'The job is retried automatically; if it repeats, check the S3 checksum setting (S3_REQUEST_CHECKSUM).',
  },
  STORAGE_UNAVAILABLE: {
    category: 'storage',
    status: 503,
    retryable: true,
    message: 'Object storage is unavailable.',
    suggestedAction: 'Retry later; the operator should check the S3 endpoint and bucket.',
  },
  RENDER_FAILED: {
    category: 'rendering',
    status: 500,
    retryable: false,
    message: 'Rendering the video failed.',
    suggestedAction: 'Check the job configuration; if the input is valid, report the job id to the operator.',
  },
  JOB_TIMEOUT: {
    category: 'timeout',
    status: 504,
    retryable: true,
    message: 'The job took longer than its time limit.',
    suggestedAction: 'Use a lower quality or fewer scenes, or ask the operator to raise JOB_TIMEOUT_MS.',
  },
  JOB_CANCELLED: {
    category: 'cancelled',
    status: 409,
    retryable: false,
    message: 'The job was cancelled.',
    suggestedAction: 'Submit the job again if you still need it.',
  },
  INTERNAL_ERROR: {
    category: 'internal',
    status: 500,
    retryable: false,
    message: 'An internal error occurred.',
    suggestedAction: 'Retry later; if it persists, report the correlation id to the operator.',
  },
  TTS_UNAVAILABLE: {
    category: 'dependency_unavailable',
    status: 503,
    retryable: false,
    message: 'Narration was requested but this worker has no text-to-speech engine (espeak-ng).',
    suggestedAction: 'Submit without narration, or ask the operator to install espeak-ng on the workers (or unset NARRATION_ENABLED).',
  },
  TOKEN_INVALID: {
    category: 'authentication',
    status: 401,
    retryable: false,
    message: 'The event stream token is invalid or has expired.',
    suggestedAction: 'Read the job again (GET /api/v1/videos/jobs/<job_id>) for a fresh links.events URL, or send Authorization: Bearer <api key>.',
  },
});

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

export interface VidgenErrorOptions {
  message?: string;
  details?: unknown;
  cause?: unknown;
  /** Override the code's default retryability (e.g. a 4xx from S3 is permanent). */
  retryable?: boolean;
}

/** The one error class: a code from the table plus message, details and cause. */
export class VidgenError extends Error {
  readonly code: ErrorCode;
  readonly category: ErrorCategory;
  readonly status: number;
  readonly retryable: boolean;
  readonly suggestedAction: string;
  readonly details: unknown;

  constructor(code: ErrorCode, options: VidgenErrorOptions = {}) {
    const def = ERROR_CODES[code];
    super(options.message ?? def.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VidgenError';
    this.code = code;
    this.category = def.category;
    this.status = def.status;
    this.retryable = options.retryable ?? def.retryable;
    this.suggestedAction = def.suggestedAction;
    this.details = options.details;
  }
}

export function isVidgenError(value: unknown): value is VidgenError {
  return value instanceof VidgenError;
}

/** The `error` object of every HTTP error answer. */
export interface ErrorBody {
  code: ErrorCode;
  category: ErrorCategory;
  message: string;
  suggested_action: string;
  retryable: boolean;
  correlation_id: string | null;
  details?: unknown;
}

/** Turns anything thrown into a VidgenError; unknown errors become INTERNAL_ERROR without leaking their text. */
export function toVidgenError(err: unknown): VidgenError {
  if (err instanceof VidgenError) return err;
  return new VidgenError('INTERNAL_ERROR', { cause: err });
}

export function toErrorBody(err: VidgenError, correlationId: string | null): ErrorBody {
  const body: ErrorBody = {
    code: err.code,
    category: err.category,
    message: err.message,
    suggested_action: err.suggestedAction,
    retryable: err.retryable,
    correlation_id: correlationId,
  };
  if (err.details !== undefined) body.details = err.details;
  return body;
}
