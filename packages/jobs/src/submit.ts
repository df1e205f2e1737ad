import { createHash } from 'node:crypto';
import { VidgenError, canonicalJson, type GenerateRequest, type JobRecord, type Logger } from '@vidgen/core';
import type { Backlog, FairTags, IdempotencyClaims, JobQueue, JobRecords, SubmitRate, TransactionReplies, VideoSeconds } from './ports';

/** What admitting a job (a submission or a retry) checks: queued-job quota, rate, daily video seconds. */
export interface AdmitDeps {
  /** Each owner's queued jobs, counted for OWNER_MAX_QUEUED_JOBS. */
  backlog?: Pick<Backlog, 'count'>;
  /** OWNER_MAX_QUEUED_JOBS (0 or absent: no limit). */
  ownerMaxQueuedJobs?: number;
  /** Per-owner submission limit (a retry starts a render too, so it spends the same); absent: no limit. */
  rateLimiter?: SubmitRate;
  /** OWNER_DAILY_VIDEO_SECONDS (absent: no budget). */
  videoBudget?: Pick<VideoSeconds, 'reserve' | 'limitSeconds'>;
}

/** QUEUE_QUOTA_EXCEEDED when the owner already has OWNER_MAX_QUEUED_JOBS jobs queued. */
export async function assertQueueQuota(deps: Pick<AdmitDeps, 'backlog' | 'ownerMaxQueuedJobs'>, owner: string): Promise<void> {
  const limit = deps.ownerMaxQueuedJobs ?? 0;
  if (!deps.backlog || limit <= 0) return;
  const queued = await deps.backlog.count(owner, limit);
  if (queued >= limit) throw new VidgenError('QUEUE_QUOTA_EXCEEDED', { details: { limit, queued } });
}

/**
 * Spends one of the owner's submissions (a new job or a retry: both start a render) or throws
 * RATE_LIMITED with `retry_after_seconds` (the edge answers it as Retry-After).
 */
export async function takeSubmission(limiter: SubmitRate | undefined, owner: string): Promise<void> {
  if (!limiter) return;
  const decision = await limiter.take(owner);
  if (!decision.allowed) throw new VidgenError('RATE_LIMITED', { details: { retry_after_seconds: decision.retryAfterSeconds } });
}

/**
 * Reserves the planned seconds of a submission (under its queue job id) in the owner's daily video
 * budget, or throws VIDEO_QUOTA_EXCEEDED with the time the budget frees up (`retry_after_seconds`,
 * null when nothing frees up).
 */
export async function reserveVideoSeconds(deps: Pick<AdmitDeps, 'videoBudget'>, owner: string, queueJobId: string, requested: number, now: number = Date.now()): Promise<void> {
  if (!deps.videoBudget) return;
  const r = await deps.videoBudget.reserve(owner, queueJobId, requested);
  if (r.ok) return;
  const retryAfterSeconds = r.freesAt ? Math.max(1, Math.ceil((r.freesAt.getTime() - now) / 1000)) : null;
  throw new VidgenError('VIDEO_QUOTA_EXCEEDED', {
    details: {
      limit_seconds: deps.videoBudget.limitSeconds,
      used_seconds: r.usedSeconds,
      reserved_seconds: r.reservedSeconds,
      requested_seconds: Math.round(requested * 1000) / 1000,
      retry_after: r.freesAt?.toISOString() ?? null,
      retry_after_seconds: retryAfterSeconds,
    },
  });
}

export interface IdempotentSubmitDeps {
  idempotency: Pick<IdempotencyClaims, 'claim'>;
  store: Pick<JobRecords, 'get'>;
  /** How long a concurrent repeat waits for the first request's job to appear. */
  waitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type IdempotencyOutcome = { kind: 'new' } | { kind: 'replay'; record: JobRecord };

/** What an Idempotency-Key is bound to: the request as validated, defaults included (canonical JSON), hashed. */
export function requestFingerprint(request: GenerateRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/**
 * Claims the key for `jobId` with SET NX. The same key with the same request
 * (canonical JSON after validation and defaults) replays the original job; a
 * different request is a conflict. A concurrent repeat that arrives before
 * the first request stored its job waits briefly for it.
 */
export async function claimSubmission(deps: IdempotentSubmitDeps, owner: string, key: string, request: GenerateRequest, jobId: string): Promise<IdempotencyOutcome> {
  const { idempotency, store, waitMs = 3000, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = deps;
  const fingerprint = requestFingerprint(request);
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

export interface SubmitDeps extends AdmitDeps {
  store: Pick<JobRecords, 'get' | 'createWith' | 'remove'>;
  queue: Pick<JobQueue, 'enqueue'>;
  /** Idempotency-Key support; absent: keys are ignored. */
  idempotency?: IdempotencyClaims;
  backlog?: Pick<Backlog, 'count' | 'addIn'>;
  fairShare?: Pick<FairTags, 'tagIn'>;
  videoBudget?: Pick<VideoSeconds, 'reserve' | 'release' | 'limitSeconds'>;
  attempts: number;
  backoffMs: number;
  enqueueTimeoutMs: number;
  logger: Logger;
  /** Adds fields to the request's log context (the job id once admitted); absent: none. */
  setContext?: (fields: Record<string, unknown>) => void;
}

export interface Submission {
  jobId: string;
  owner: string;
  correlationId: string;
  request: GenerateRequest;
  /** The planned length (speech estimate included), held in the owner's daily budget until the job ends. */
  plannedSeconds: number;
  /** The Idempotency-Key, validated; null: none. */
  idempotencyKey: string | null;
}

export type SubmitOutcome = { kind: 'created'; record: JobRecord } | { kind: 'replay'; record: JobRecord };

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new VidgenError('REDIS_UNAVAILABLE', { message: 'The queue did not accept the job in time.' })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Admits a job (idempotency, queued-job quota, rate, video seconds), records it and enqueues it.
 * Nothing half-made stays behind a failure: the reservation and the idempotency key are given
 * back and a record whose enqueue failed is removed, so the client may simply retry.
 */
export async function submitJob(deps: SubmitDeps, submission: Submission): Promise<SubmitOutcome> {
  const { store, queue } = deps;
  const { jobId, owner, correlationId, request, plannedSeconds, idempotencyKey } = submission;
  const idempotency = idempotencyKey ? deps.idempotency : undefined;
  if (idempotency) {
    const claim = await claimSubmission({ idempotency, store }, owner, idempotencyKey!, request, jobId);
    if (claim.kind === 'replay') {
      deps.setContext?.({ job_id: claim.record.job_id });
      return claim;
    }
  }
  // A failed first request frees its key, so the client's retry with it can succeed.
  const releaseKey = () => (idempotency ? idempotency.release(owner, idempotencyKey!, jobId).catch(() => undefined) : undefined);
  const releaseSeconds = () => deps.videoBudget?.release(owner, jobId).catch(() => undefined);
  try {
    await assertQueueQuota(deps, owner);
    await takeSubmission(deps.rateLimiter, owner);
    await reserveVideoSeconds(deps, owner, jobId, plannedSeconds);
  } catch (err) {
    await releaseKey();
    throw err;
  }
  deps.setContext?.({ job_id: jobId });
  // One transaction: the record, its owner's backlog entry (OWNER_MAX_QUEUED_JOBS counts it while the record
  // says queued, see OwnerBacklog) and its fair-share tag.
  let readTag: ((replies: TransactionReplies) => number) | undefined;
  const created = await store
    .createWith(
      {
        job_id: jobId,
        owner,
        correlation_id: correlationId,
        configuration: request.configuration,
        created_at: new Date().toISOString(),
        ...(request.callback_url ? { callback_url: request.callback_url } : {}),
      },
      (tx) => {
        deps.backlog?.addIn(tx, owner, jobId);
        readTag = deps.fairShare?.tagIn(tx, owner, plannedSeconds);
      },
    )
    .catch(async (err) => {
      await releaseSeconds();
      await releaseKey();
      throw err;
    });
  try {
    const priority = readTag?.(created.replies);
    await withTimeout(queue.enqueue({ job_id: jobId, correlation_id: correlationId }, { attempts: deps.attempts, backoffMs: deps.backoffMs, priority }), deps.enqueueTimeoutMs);
  } catch (err) {
    await store.remove(jobId, owner).catch(() => undefined);
    await releaseSeconds();
    await releaseKey();
    throw err instanceof VidgenError ? err : new VidgenError('REDIS_UNAVAILABLE', { cause: err });
  }
  deps.logger.info('job submitted', { quality: request.configuration.quality });
  return { kind: 'created', record: created.record };
}
