import type { GenerateRequest, JobRecord } from '@vidgen/core';
import { claimSubmission, requestFingerprint } from '@vidgen/jobs';
import type { IdempotencyStore, JobStore } from '@vidgen/queue';
import { idempotencyKeyOf } from '../src/idempotency';

const request: GenerateRequest = { configuration: { topic: 't', quality: 'low', subtitles: true, narration: false } };

function deps(existing: { fingerprint: string; job_id: string } | null, records: Array<JobRecord | null>) {
  let reads = 0;
  const idempotency = { claim: async () => ({ claimed: false, existing }) } as unknown as IdempotencyStore;
  const store = { get: async () => records[Math.min(reads++, records.length - 1)] ?? null } as unknown as JobStore;
  return { idempotency, store, waitMs: 200, sleep: async () => undefined };
}

const fp = requestFingerprint(request);
const record = (owner: string) => ({ job_id: 'first', owner }) as JobRecord;

describe('claimSubmission', () => {
  it('is new when the claim wins', async () => {
    const idempotency = { claim: async () => ({ claimed: true }) } as unknown as IdempotencyStore;
    expect(await claimSubmission({ idempotency, store: {} as JobStore }, 'o', 'k', request, 'j')).toEqual({ kind: 'new' });
  });

  it('waits for the first request’s job to appear, then replays it', async () => {
    const d = deps({ fingerprint: fp, job_id: 'first' }, [null, null, record('o')]);
    expect(await claimSubmission(d, 'o', 'k', request, 'j')).toEqual({ kind: 'replay', record: record('o') });
  });

  it('refuses another request under the key, and reports a first request that never produced its job', async () => {
    await expect(claimSubmission(deps({ fingerprint: 'other', job_id: 'first' }, [record('o')]), 'o', 'k', request, 'j')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    await expect(claimSubmission({ ...deps({ fingerprint: fp, job_id: 'first' }, [null]), waitMs: 0 }, 'o', 'k', request, 'j')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_PROGRESS' });
    await expect(claimSubmission(deps(null, [null]), 'o', 'k', request, 'j')).rejects.toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_PROGRESS' });
  });
});

describe('idempotencyKeyOf', () => {
  it('accepts printable keys, none, and rejects spaces, control characters and overlong keys', () => {
    expect(idempotencyKeyOf(undefined)).toBeNull();
    expect(idempotencyKeyOf('order-42:retry_1')).toBe('order-42:retry_1');
    for (const bad of ['', 'a b', 'tab\tkey', 'x'.repeat(256), 'ünïcode']) expect(() => idempotencyKeyOf(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});
