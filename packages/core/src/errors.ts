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
  /** Where docs/troubleshooting.md explains causes and fixes: `docs/troubleshooting.md#<code in lower case>`. */
  readonly docs: string;
}

/** The troubleshooting page; each code has a `## CODE` section, whose anchor is the code in lower case. */
export const TROUBLESHOOTING_DOC = 'docs/troubleshooting.md';

export function docsAnchor(code: string): string {
  return `${TROUBLESHOOTING_DOC}#${code.toLowerCase()}`;
}

function define<T extends Record<string, Omit<ErrorDefinition, 'docs'>>>(table: T): { readonly [K in keyof T]: ErrorDefinition } {
  const out: Record<string, ErrorDefinition> = {};
  for (const [code, def] of Object.entries(table)) out[code] = Object.freeze({ ...def, docs: docsAnchor(code) });
  return Object.freeze(out) as { readonly [K in keyof T]: ErrorDefinition };
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
  WORKER_SHUTDOWN: {
    category: 'dependency_unavailable',
    status: 503,
    retryable: true,
    message: 'The worker running the job shut down before the job finished; the job returned to the queue.',
    suggestedAction: 'Nothing: another worker picks the job up. If it happens often, raise WORKER_SHUTDOWN_GRACE_MS above typical job durations.',
  },
  JOB_NOT_COMPLETED: {
    category: 'conflict',
    status: 409,
    retryable: true,
    message: 'The job has not completed, so it has no video yet.',
    suggestedAction: 'Wait until the job status is completed (follow its events), or retry a failed job.',
  },
  METADATA_VERSION_CONFLICT: {
    category: 'conflict',
    status: 412,
    retryable: false,
    message: 'The metadata changed since the version named in If-Match.',
    suggestedAction: 'GET the metadata again, apply your change to the new version and send it with the new ETag.',
  },
  METADATA_VERSION_LIMIT: {
    category: 'conflict',
    status: 409,
    retryable: false,
    message: 'The video has reached the most metadata versions this deployment keeps.',
    suggestedAction: 'No more edits are possible on this video; every existing version stays readable (GET .../metadata/versions).',
  },
  PRECONDITION_REQUIRED: {
    category: 'validation',
    status: 428,
    retryable: false,
    message: 'This update needs an If-Match header.',
    suggestedAction: 'Send If-Match with the ETag from your last GET of the metadata.',
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
  PLANNER_FAILED: {
    category: 'dependency_unavailable',
    status: 502,
    retryable: false,
    message: 'The language-model planner gave no usable plan (no answer in time, an error, or a plan that stayed invalid or too long after one more try), and this deployment does not fall back to the rules planner.',
    suggestedAction: 'Resubmit later or give the scenes yourself (configuration.scenes); the operator should check the model endpoint (LLM_BASE_URL, LLM_MODEL) or set LLM_FALLBACK=true. details.reason says what went wrong.',
  },
  TTS_UNAVAILABLE: {
    category: 'dependency_unavailable',
    status: 503,
    retryable: false,
    message: 'Narration was requested but this worker has no text-to-speech engine (Festival, flite or espeak-ng).',
    suggestedAction: 'Submit without narration, or ask the operator to install festival and festvox-us-slt-hts (or flite, or espeak-ng) on the workers (or unset NARRATION_ENABLED).',
  },
  VOICES_UNAVAILABLE: {
    category: 'dependency_unavailable',
    status: 503,
    retryable: true,
    message: 'No worker is announcing its voices right now, so configuration.voice cannot be checked.',
    suggestedAction: 'Retry in a few seconds (workers announce their voices when they start), or leave configuration.voice out to get the default voice.',
  },
  TTS_FAILED: {
    category: 'rendering',
    status: 500,
    retryable: true,
    message: 'The text-to-speech engine failed or hung on a sentence of the narration.',
    suggestedAction: 'The job is retried automatically; if it keeps failing on the same sentence (details.sentence), rephrase that sentence or choose another voice.',
  },
  TOKEN_INVALID: {
    category: 'authentication',
    status: 401,
    retryable: false,
    message: 'The event stream token is invalid or has expired.',
    suggestedAction: 'Read the job again (GET /api/v1/videos/jobs/<job_id>) for a fresh links.events URL, or send Authorization: Bearer <api key>.',
  },
  HLS_TOKEN_INVALID: {
    category: 'authentication',
    status: 401,
    retryable: false,
    message: 'The token of this HLS or storyboard link (result.hls_url, result.storyboard_url) is invalid or has expired.',
    suggestedAction: 'Fetch the job again (GET /api/v1/videos/jobs/<job_id>) for a fresh result.hls_url (or result.storyboard_url) and load the player with it, or send Authorization: Bearer <api key>.',
  },
  STORAGE_PERMANENT_FAILURE: {
    category: 'storage',
    status: 502,
    retryable: false,
    message: 'Object storage refused the request (access denied, unknown bucket or invalid credentials).',
    suggestedAction: 'The operator should check S3_BUCKET, the S3 credentials and the bucket policy; retrying will not help until then.',
  },
  STORAGE_CHECKSUM_MISMATCH: {
    category: 'storage',
    status: 502,
    retryable: true,
    message: 'The stored object does not have the checksum (ETag) of the uploaded file.',
    suggestedAction: 'The job is retried automatically; if it repeats with an encrypting store (SSE-KMS), set S3_VERIFY_ETAG=false.',
  },
  RATE_LIMITED: {
    category: 'rate_limited',
    status: 429,
    retryable: true,
    message: 'Too many job submissions; the per-owner rate limit was reached.',
    suggestedAction: 'Wait for the number of seconds in the Retry-After header, then submit again.',
  },
  QUEUE_QUOTA_EXCEEDED: {
    category: 'rate_limited',
    status: 429,
    retryable: true,
    message: 'Too many of your jobs are queued; the per-owner limit of queued jobs was reached.',
    suggestedAction: 'Wait until some of your queued jobs start (GET /api/v1/videos/jobs?status=queued shows them), or cancel ones you no longer need, then submit again.',
  },
  VIDEO_QUOTA_EXCEEDED: {
    category: 'rate_limited',
    status: 429,
    retryable: true,
    message: 'This job would pass your daily video budget (video seconds rendered in a rolling 24 hours, queued and running jobs included).',
    suggestedAction: 'Wait until the time in retry_after (also the Retry-After header) and submit again, or submit a shorter video; GET /api/v1/usage shows your budget. Cancelling a queued job gives its seconds back.',
  },
  TOO_MANY_EVENT_STREAMS: {
    category: 'rate_limited',
    status: 429,
    retryable: true,
    message: 'Too many event streams are open; the per-owner or per-process limit of open streams was reached.',
    suggestedAction: 'Close event streams you no longer read (one per job is enough) and retry after the Retry-After seconds; meanwhile poll GET /api/v1/videos/jobs/<job_id>.',
  },
  IDEMPOTENCY_KEY_REUSED: {
    category: 'conflict',
    status: 409,
    retryable: false,
    message: 'This Idempotency-Key was already used with a different request.',
    suggestedAction: 'Use a new Idempotency-Key for a new request, or resend exactly the original request.',
  },
  IDEMPOTENCY_KEY_IN_PROGRESS: {
    category: 'conflict',
    status: 409,
    retryable: true,
    message: 'The first request with this Idempotency-Key is still being processed.',
    suggestedAction: 'Retry the same request in a moment; it then returns the job of the first request.',
  },
  JOB_NOT_CANCELLABLE: {
    category: 'conflict',
    status: 409,
    retryable: false,
    message: 'The job has already finished, so it cannot be cancelled.',
    suggestedAction: 'Read the job for its final status; delete it if you no longer need it.',
  },
  JOB_NOT_RETRYABLE: {
    category: 'conflict',
    status: 409,
    retryable: false,
    message: 'Only a failed or cancelled job can be retried.',
    suggestedAction: 'Wait until the job is failed or cancelled, or submit a new job.',
  },
  CALLBACK_URL_NOT_ALLOWED: {
    category: 'validation',
    status: 400,
    retryable: false,
    message: 'The callback URL is not allowed: it must be http(s) and must not point to a loopback, private or link-local address.',
    suggestedAction: 'Use a publicly reachable http(s) callback_url (or, for local development, set WEBHOOK_ALLOW_PRIVATE=true).',
  },
  WEBHOOK_DELIVERY_FAILED: {
    category: 'dependency_unavailable',
    status: 502,
    retryable: true,
    message: 'The callback receiver did not accept the event (no 2xx answer, a timeout or a connection error).',
    suggestedAction: 'Make the receiver answer 2xx within the timeout; deliveries are retried with backoff and listed in webhook.deliveries.',
  },
  SCRATCH_SPACE_EXHAUSTED: {
    category: 'internal',
    status: 507,
    retryable: true,
    message: 'The worker ran out of scratch disk space.',
    suggestedAction: 'The job is retried automatically; the operator should enlarge SCRATCH_DIR or lower WORKER_CONCURRENCY.',
  },
  VIDEO_TOO_LONG: {
    category: 'validation',
    status: 400,
    retryable: false,
    message: 'With its narration the video would be longer than this deployment renders.',
    suggestedAction: 'Shorten the narrated text (long numbers and digit strings speak slowly) or split the job into several; the limit is MAX_VIDEO_SECONDS.',
  },
  RENDER_TOOL_UNAVAILABLE: {
    category: 'dependency_unavailable',
    status: 503,
    retryable: true,
    message: 'The worker could not start ffmpeg or ffprobe.',
    suggestedAction: 'The job is retried automatically; the operator should check FFMPEG_PATH and FFPROBE_PATH on the workers.',
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
  /** The troubleshooting section of the code. */
  docs: string;
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
    docs: ERROR_CODES[err.code].docs,
  };
  if (err.details !== undefined) body.details = err.details;
  return body;
}
