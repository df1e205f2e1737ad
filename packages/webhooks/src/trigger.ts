import type { JobRecord, Logger } from '@vidgen/core';
import { JobStore, QUEUE_HISTORY, type JobStoreOptions, type Redis, type TerminalJobStatus, type WebhookQueue } from '@vidgen/queue';
import { eventFor, newEventId } from './event';

export interface WebhookTriggerDeps {
  /** Reads the record (a plain Redis read: the hook runs right after the terminal transition). */
  getRecord: (jobId: string) => Promise<JobRecord | null>;
  queue: WebhookQueue;
  attempts: number;
  backoffMs: number;
  logger: Logger;
  now?: () => number;
}

/**
 * The JobStore `onTerminal` hook of API and worker: when the record has a
 * callback_url, enqueue one delivery of the terminal event (the event id the
 * transition stored; a fresh one without). Never throws (a
 * lost event is logged, the job's own outcome stands).
 */
export function createWebhookTrigger(deps: WebhookTriggerDeps): (jobId: string, status: TerminalJobStatus, eventId?: string) => Promise<void> {
  const { getRecord, queue, attempts, backoffMs, logger, now = Date.now } = deps;
  return async (jobId, status, eventId = newEventId()) => {
    try {
      const record = await getRecord(jobId);
      if (!record?.callback_url) return;
      // The Bull job id is the event id: enqueueing the same event again (a replay, JobStore.replayTerminal) adds nothing while it is pending.
      await queue.add(
        { event_id: eventId, event: eventFor(status), job_id: jobId, occurred_at: now() },
        { jobId: eventId, attempts, backoff: { type: 'exponential', delay: backoffMs }, ...QUEUE_HISTORY },
      );
      logger.info('webhook event enqueued', { job_id: jobId, event_id: eventId, event: eventFor(status) });
    } catch (err) {
      logger.error('webhook event could not be enqueued', { job_id: jobId, status, err });
    }
  };
}

export interface TerminalHookOptions {
  redis: Redis;
  prefix: string;
  queue: WebhookQueue;
  attempts: number;
  backoffMs: number;
  logger: Logger;
}

/** The JobStore options both apps construct their store with: the webhook trigger as its terminal hook. */
export function webhookStoreOptions(options: TerminalHookOptions): JobStoreOptions {
  const { redis, prefix, queue, attempts, backoffMs, logger } = options;
  // A plain reader: the hook must not be wired into the store it reads with.
  const reader = new JobStore(redis, prefix);
  const onTerminal = createWebhookTrigger({ getRecord: (jobId) => reader.get(jobId), queue, attempts, backoffMs, logger });
  return { onTerminal, onHookError: (err, jobId) => logger.error('terminal hook failed', { job_id: jobId, err }) };
}
