import { toVidgenError, type JobRecord, type Logger } from '@vidgen/core';
import type { ConsumedJob, WebhookPayload } from '@vidgen/queue';
import type { DeliveryAttempt } from './deliveries';
import { eventBody } from './event';
import type { Resolver } from './pinned-lookup';
import { sendWebhook } from './send';
import { SIGNATURE_HEADER, signatureHeader } from './signature';

export interface WebhookProcessorDeps {
  getRecord: (jobId: string) => Promise<JobRecord | null>;
  present: (record: JobRecord) => Promise<unknown>;
  recordAttempt: (jobId: string, attempt: DeliveryAttempt) => Promise<void>;
  /** WEBHOOK_SECRETS: owner → secret. */
  secrets: ReadonlyMap<string, string>;
  allowPrivate: boolean;
  timeoutMs: number;
  /** Deliveries stop once this long has passed since the event. */
  retryWindowMs: number;
  logger: Logger;
  now?: () => number;
  resolve?: Resolver;
  /** The HTTP POST; tests pass a fake. */
  send?: typeof sendWebhook;
}

/**
 * The processor of the webhooks queue. Each attempt builds the body from
 * the current record, signs it with the owner's secret and POSTs it; a 2xx
 * ends the delivery. Every attempt is recorded on the job. A refused URL is
 * permanent (no further attempts); other failures throw, so the queue retries them
 * with backoff until the attempts or the retry window run out.
 */
export function createWebhookProcessor(deps: WebhookProcessorDeps): (job: ConsumedJob<WebhookPayload>) => Promise<void> {
  const { getRecord, present, recordAttempt, secrets, allowPrivate, timeoutMs, retryWindowMs, logger, now = Date.now, resolve, send = sendWebhook } = deps;
  return async (job) => {
    const { event_id, event, job_id, occurred_at } = job.data;
    const { attempt } = job;
    const record = await getRecord(job_id);
    if (!record?.callback_url) {
      logger.info('webhook skipped: the job or its callback_url is gone', { job_id, event_id });
      return;
    }
    const body = eventBody({ event, event_id }, await present(record));
    const headers: Record<string, string> = { 'X-Vidgen-Event': event, 'X-Vidgen-Delivery': event_id };
    const secret = secrets.get(record.owner);
    if (secret) headers[SIGNATURE_HEADER] = signatureHeader(secret, body, now() / 1000);
    else logger.warn('no webhook secret for this owner: the delivery is unsigned', { job_id, owner: record.owner });

    const started = now();
    const base = { event_id, event, attempt, attempted_at: new Date(started).toISOString() };
    let failure: { code: string; message: string; status: number | null; permanent: boolean };
    try {
      const { statusCode } = await send({ url: record.callback_url, body, headers, timeoutMs, allowPrivate, resolve });
      if (statusCode >= 200 && statusCode < 300) {
        await recordAttempt(job_id, { ...base, status_code: statusCode, ok: true, duration_ms: now() - started });
        logger.info('webhook delivered', { job_id, event_id, attempt, status_code: statusCode });
        return;
      }
      failure = { code: 'WEBHOOK_DELIVERY_FAILED', message: `The receiver answered ${statusCode}.`, status: statusCode, permanent: false };
    } catch (err) {
      const e = toVidgenError(err);
      failure = { code: e.code, message: e.message, status: null, permanent: e.code === 'CALLBACK_URL_NOT_ALLOWED' };
    }
    const attempts = job.attemptsAllowed;
    const windowOver = now() - occurred_at >= retryWindowMs;
    const willRetry = !failure.permanent && attempt < attempts && !windowOver;
    await recordAttempt(job_id, {
      ...base,
      status_code: failure.status,
      ok: false,
      duration_ms: now() - started,
      error_code: failure.code,
      error: failure.message,
      will_retry: willRetry,
    });
    logger.warn('webhook delivery failed', { job_id, event_id, attempt, code: failure.code, status_code: failure.status, will_retry: willRetry });
    if (!willRetry) await job.failPermanently();
    throw new Error(failure.message);
  };
}
