import type { components } from './schema';

export type ErrorCode = components['schemas']['ErrorCode'];
export type ApiErrorBody = components['schemas']['Error'];

/**
 * Every answer outside 2xx, as the API's error shape tells it (`ErrorResponse`). An answer that
 * is not that shape (a proxy's HTML page, say) keeps its status, with code `UNEXPECTED_RESPONSE`.
 */
export class VidgenApiError extends Error {
  override readonly name = 'VidgenApiError';
  readonly status: number;
  readonly code: ErrorCode | 'UNEXPECTED_RESPONSE';
  /** For VALIDATION_FAILED: the fields at fault; otherwise code-specific. */
  readonly details: unknown;
  /** The request's X-Correlation-ID (from the body, else the header), for support and logs. */
  readonly correlationId: string | null;
  readonly retryable: boolean;
  /** The parsed error object, when the answer had one. */
  readonly body: ApiErrorBody | null;

  constructor(init: { status: number; code: VidgenApiError['code']; message: string; details?: unknown; correlationId?: string | null; retryable?: boolean; body?: ApiErrorBody | null }) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.details = init.details;
    this.correlationId = init.correlationId ?? null;
    this.retryable = init.retryable ?? false;
    this.body = init.body ?? null;
  }
}

/** The error of a non-2xx answer whose body was read (or could not be) as `parsed`. */
export function apiErrorFrom(response: Response, parsed: unknown): VidgenApiError {
  const header = response.headers.get('x-correlation-id');
  const error = (parsed as { error?: ApiErrorBody } | null | undefined)?.error;
  if (error && typeof error === 'object' && typeof error.code === 'string' && typeof error.message === 'string') {
    return new VidgenApiError({
      status: response.status,
      code: error.code,
      message: error.message,
      details: error.details,
      correlationId: error.correlation_id ?? header,
      retryable: error.retryable,
      body: error,
    });
  }
  return new VidgenApiError({ status: response.status, code: 'UNEXPECTED_RESPONSE', message: `HTTP ${response.status} ${response.statusText}`.trim(), correlationId: header });
}

/** Reads a non-2xx answer's body (JSON or not) into a VidgenApiError. */
export async function readApiError(response: Response): Promise<VidgenApiError> {
  const text = await response.text().catch(() => '');
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: the status alone.
  }
  return apiErrorFrom(response, parsed);
}

/** A job that ended failed or cancelled while `waitForCompletion` waited for it. */
export class VidgenJobError extends Error {
  override readonly name = 'VidgenJobError';
  constructor(
    readonly jobId: string,
    readonly status: 'failed' | 'cancelled',
    /** The job's error (null when cancelled). */
    readonly jobError: components['schemas']['JobError'] | null,
  ) {
    super(status === 'failed' ? `job ${jobId} failed: ${jobError?.code ?? 'unknown'}${jobError?.message ? ` (${jobError.message})` : ''}` : `job ${jobId} was cancelled`);
  }
}
