import { randomUUID } from 'node:crypto';
import type { WebhookPayload } from '@vidgen/queue';

export type WebhookEvent = WebhookPayload['event'];
export type TerminalStatus = 'completed' | 'failed' | 'cancelled';

export function eventFor(status: TerminalStatus): WebhookEvent {
  return `job.${status}`;
}

export function newEventId(): string {
  return `evt_${randomUUID()}`;
}

/** The body of a delivery; the same bytes are signed and sent. */
export function eventBody(payload: Pick<WebhookPayload, 'event' | 'event_id'>, job: unknown): string {
  return JSON.stringify({ event: payload.event, event_id: payload.event_id, job });
}

/** Exponential backoff of delivery attempts: base, 2×base, 4×base, … */
export function backoffDelayMs(baseMs: number, attemptsMade: number): number {
  return baseMs * 2 ** Math.max(0, attemptsMade - 1);
}
