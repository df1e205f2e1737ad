import { VidgenError, canonicalJson, type GenerateRequest, type JobRecord } from '@vidgen/core';
import { requestFingerprint, type IdempotencyStore, type JobStore } from '@vidgen/queue';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header, if any; printable ASCII without spaces, 1–255 characters. */
export function idempotencyKeyOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!KEY_FORMAT.test(header)) {
    throw new VidgenError('VALIDATION_FAILED', { details: [{ field: 'Idempotency-Key', message: 'must be 1–255 printable ASCII characters without spaces', type: 'string.pattern' }] });
  }
  return header;
}

export interface IdempotentSubmitDeps {
  idempotency: IdempotencyStore;
  store: JobStore;
  /** How long a concurrent repeat waits for the first request's job to appear. */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type IdempotencyOutcome = { kind: 'new' } | { kind: 'replay'; record: JobRecord };

/**
 * Claims the key for `jobId` with SET NX. The same key with the same request
 * (canonical JSON after validation and defaults) replays the original job; a
 * different request is a conflict. A concurrent repeat that arrives before
 * the first request stored its job waits briefly for it.
 */
export async function claimSubmission(deps: IdempotentSubmitDeps, owner: string, key: string, request: GenerateRequest, jobId: string): Promise<IdempotencyOutcome> {
  const { idempotency, store, waitMs = 3000, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = deps;
  const fingerprint = requestFingerprint(canonicalJson(request));
  const claim = await idempotency.claim(owner, key, { fingerprint, job_id: jobId });
  if (claim.claimed) return { kind: 'new' };
  const existing = claim.existing;
  if (!existing) throw new VidgenError('IDEMPOTENCY_KEY_IN_PROGRESS');
  if (existing.fingerprint !== fingerprint) throw new VidgenError('IDEMPOTENCY_KEY_REUSED');
  const deadline = Date.now() + waitMs;
  for (;;) {
    const record = await store.get(existing.job_id);
    if (record && record.owner === owner) return { kind: 'replay', record };
    if (Date.now() >= deadline) throw new VidgenError('IDEMPOTENCY_KEY_IN_PROGRESS');
    await sleep(50);
  }
}
