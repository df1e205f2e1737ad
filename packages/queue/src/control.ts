import type { Redis } from 'ioredis';

/**
 * The control channel: one pub/sub channel per deployment, `<prefix>:control`,
 * that every worker subscribes to. Messages are JSON; today only cancellation.
 * Pub/sub is fire-and-forget, so the job record stays the source of truth: a
 * worker that missed the message still finds the record cancelled.
 */
export function controlChannel(prefix: string): string {
  return `${prefix}:control`;
}

export interface CancelMessage {
  type: 'cancel';
  job_id: string;
}

export type ControlMessage = CancelMessage;

/** Null for anything that is not a well-formed control message (other senders, older versions). */
export function parseControlMessage(raw: string): ControlMessage | null {
  try {
    const value = JSON.parse(raw) as Partial<CancelMessage> | null;
    if (value && value.type === 'cancel' && typeof value.job_id === 'string' && value.job_id.length > 0) return { type: 'cancel', job_id: value.job_id };
    return null;
  } catch {
    return null;
  }
}

/** Tells every worker to abort the job's pipeline; resolves to the number of subscribers that received it. */
export function publishCancel(redis: Redis, prefix: string, jobId: string): Promise<number> {
  const message: CancelMessage = { type: 'cancel', job_id: jobId };
  return redis.publish(controlChannel(prefix), JSON.stringify(message));
}
