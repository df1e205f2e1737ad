import { SIGNATURE_HEADER, checkSignature, type SignatureCheck } from '@vidgen/webhooks/signature';
import type { components } from './schema';

/** A webhook delivery's body: `job.completed`, `job.failed` or `job.cancelled`, with the job. */
export type WebhookEvent = components['schemas']['WebhookEvent'];

export { SIGNATURE_HEADER };

/** A delivery refused by verifyWebhook; `reason` says why (no header, bad header, too old, wrong signature, not an event). */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(readonly reason: Exclude<SignatureCheck, 'valid'> | 'invalid_body') {
    super(`webhook refused: ${reason}`);
  }
}

/**
 * Verifies a webhook delivery (X-Vidgen-Signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`)
 * with the same check the senders' tests use, and returns its event. `rawBody` must be the bytes as
 * received (not re-serialised JSON). Node only (node:crypto), hence its own entry, `@vidgen/client/webhooks`.
 */
export function verifyWebhook(rawBody: string | Uint8Array, signatureHeader: string | null | undefined, secret: string, toleranceSeconds = 300): WebhookEvent {
  const body = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);
  const check = checkSignature({ secret, body, header: signatureHeader ?? undefined, nowSeconds: Date.now() / 1000, toleranceSeconds });
  if (check !== 'valid') throw new WebhookVerificationError(check);
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    throw new WebhookVerificationError('invalid_body');
  }
  const e = event as Partial<WebhookEvent> | null;
  if (!e || typeof e !== 'object' || typeof e.event !== 'string' || typeof e.event_id !== 'string' || !e.job || typeof e.job !== 'object') throw new WebhookVerificationError('invalid_body');
  return e as WebhookEvent;
}
