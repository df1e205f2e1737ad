import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import {
  VidgenError,
  isConnectionFailure,
  isRedisFailure,
  queueJobIdFor,
  type JobConfiguration,
  type TransitionResult,
  type JobError,
  type JobRecord,
  type JobResult,
  type JobStatus,
  type JobWarning,
} from '@vidgen/core';
import { jobKey, jobProgressKey, ownerJobsKey, progressChannel } from './keys';
import { END_RUN_LUA } from './run-end';

/**
 * Compare-and-set on one job hash, KEYS[1]; KEYS[2] is the job's progress hash
 * (same hash tag, so the script stays in one Cluster slot). ARGV[1] lists the
 * statuses the job may be in (comma-separated); ARGV[2] is the new status or
 * ''; ARGV[3] is the retention in seconds; ARGV[4] now (ms), ARGV[5] the
 * progress channel and ARGV[6] the job id, JSON-encoded (for endRun). The
 * remaining ARGV are field/value pairs; a field written as "?name" is set only
 * while empty, one written as "+name" is incremented by its value, and one
 * written as "=name" is a guard: the change happens only while the field holds that value.
 *
 * The record holds the job's status and the progress hash its progress; a move
 * to completed, failed or cancelled ends the job's processing run here too
 * (endRun, END_RUN_LUA), so record and run never disagree and no reader has to
 * reconcile them. Retention follows the status in the same script, so no path
 * to an end can miss it: a terminal move EXPIREs both keys after ARGV[3]
 * seconds; a move to an active status (queued, processing: a resubmit or a
 * retry) PERSISTs both, so an active job never expires. A progress hash that
 * does not exist yet is left alone (EXPIRE and PERSIST do nothing).
 * Returns 'ok', 'missing', 'stale' (a guard failed), or the status that refused the change.
 */
const TRANSITION = `${END_RUN_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 then return 'missing' end
local status = redis.call('HGET', KEYS[1], 'status')
local allowed = false
for s in string.gmatch(ARGV[1], '[^,]+') do
  if s == status then allowed = true end
end
if not allowed then return status end
for i = 7, #ARGV, 2 do
  if string.sub(ARGV[i], 1, 1) == '=' and redis.call('HGET', KEYS[1], string.sub(ARGV[i], 2)) ~= ARGV[i + 1] then return 'stale' end
end
if ARGV[2] ~= '' then redis.call('HSET', KEYS[1], 'status', ARGV[2]) end
for i = 7, #ARGV, 2 do
  local field = ARGV[i]
  if string.sub(field, 1, 1) == '=' then
    -- a guard, checked above
  elseif string.sub(field, 1, 1) == '?' then
    field = string.sub(field, 2)
    local current = redis.call('HGET', KEYS[1], field)
    if not current or current == '' then redis.call('HSET', KEYS[1], field, ARGV[i + 1]) end
  elseif string.sub(field, 1, 1) == '+' then
    redis.call('HINCRBY', KEYS[1], string.sub(field, 2), tonumber(ARGV[i + 1]))
  else
    redis.call('HSET', KEYS[1], field, ARGV[i + 1])
  end
end
if ARGV[2] == 'completed' or ARGV[2] == 'failed' or ARGV[2] == 'cancelled' then
  endRun(KEYS[2], ARGV[2], ARGV[4], ARGV[5], ARGV[6])
  redis.call('EXPIRE', KEYS[1], ARGV[3])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
elseif ARGV[2] ~= '' then
  redis.call('PERSIST', KEYS[1])
  redis.call('PERSIST', KEYS[2])
end
return 'ok'
`;

export type { TransitionResult };

interface StoreCommands {
  vidgenTransition(key: string, progressKey: string, ...args: string[]): Promise<string>;
}

export interface NewJob {
  job_id: string;
  owner: string;
  correlation_id: string;
  configuration: JobConfiguration;
  created_at: string;
  callback_url?: string;
}

/** What a transaction's exec gives back: each command's error or reply, in order. */
export type TransactionReplies = ReadonlyArray<[Error | null, unknown]>;

/** A terminal status a job record can reach. */
export type TerminalJobStatus = 'completed' | 'failed' | 'cancelled';

/** How long a job's record and progress are kept after it ends, unless configured (JOB_RECORD_TTL_SECONDS): 30 days. */
const DEFAULT_TERMINAL_TTL_SECONDS = 30 * 24 * 60 * 60;

export interface JobStoreOptions {
  /**
   * Retention: seconds the job record and its progress hash live after a
   * transition to completed, failed or cancelled (the apps pass
   * JOB_RECORD_TTL_SECONDS, the same value JobProgressTracker gets). A move
   * back to queued or processing removes it again. Default 30 days.
   */
  terminalTtlSeconds?: number;
  /**
   * The same for failed and cancelled jobs (JOB_RECORD_TTL_FAILED_SECONDS): they hold no video
   * and are resubmitted within days if at all, so they can go sooner. Default terminalTtlSeconds.
   */
  failedTtlSeconds?: number;
  /**
   * Called after a successful transition to completed, failed or cancelled
   * (webhooks hang off it, so the handler needs no change), with the event id
   * the transition stored on the record (`terminal_event_id`): a replay after
   * a crash (replayTerminal) names the same event. Its failure never changes
   * the transition's outcome: it is reported to onHookError.
   */
  onTerminal?: (jobId: string, status: TerminalJobStatus, eventId: string) => void | Promise<void>;
  onHookError?: (err: unknown, jobId: string, status: TerminalJobStatus) => void;
}

const now = () => new Date().toISOString();

/** The id of the event a terminal transition emits (webhook deliveries carry it as event_id and X-Vidgen-Delivery). */
function newTerminalEventId(): string {
  return `evt_${randomUUID()}`;
}

function parseJson<T>(raw: string | undefined): T | null {
  if (!raw) return null;
  return JSON.parse(raw) as T;
}

/**
 * Maps a failed Redis call to REDIS_UNAVAILABLE when the connection is the
 * problem (core's isRedisFailure, or a socket failure: the call went to Redis);
 * everything else, e.g. a script's own error, passes through.
 */
export function asRedisError(err: unknown): unknown {
  if (err instanceof VidgenError) return err;
  if (isRedisFailure(err) || isConnectionFailure(err)) return new VidgenError('REDIS_UNAVAILABLE', { cause: err });
  return err;
}

/**
 * Job records under our own keys: the source of truth for a job's state.
 * Every status change goes through one script (TRANSITION), which also sets
 * retention: a job that ends (completed, failed, cancelled, by any path)
 * expires with its progress after `terminalTtlSeconds`; an active one never does.
 */
export class JobStore {
  private readonly redis: Redis & StoreCommands;
  private readonly ttl: string;
  private readonly failedTtl: string;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly options: JobStoreOptions = {},
  ) {
    const { terminalTtlSeconds = DEFAULT_TERMINAL_TTL_SECONDS, failedTtlSeconds = terminalTtlSeconds } = options;
    for (const ttl of [terminalTtlSeconds, failedTtlSeconds]) {
      if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new RangeError('terminalTtlSeconds and failedTtlSeconds must be positive whole numbers of seconds');
    }
    this.ttl = String(terminalTtlSeconds);
    this.failedTtl = String(failedTtlSeconds);
    this.redis = redis as Redis & StoreCommands;
    if (!(this.redis as Partial<StoreCommands>).vidgenTransition) {
      redis.defineCommand('vidgenTransition', { numberOfKeys: 2, lua: TRANSITION });
    }
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw asRedisError(err);
    }
  }

  key(jobId: string): string {
    return jobKey(this.prefix, jobId);
  }

  /** Stores a new queued job and indexes it under its owner, in one transaction. */
  async create(job: NewJob): Promise<JobRecord> {
    return (await this.createWith(job, () => undefined)).record;
  }

  /**
   * create() with the caller's own commands for the new job in the same transaction (at submit:
   * the owner's backlog entry and the fair-share tag), so a submit's writes before the enqueue
   * cost one round trip. `replies` holds every command's [error, reply], the record's own first;
   * a command queued when the transaction's length was n has its reply at index n - 1 (MULTI is
   * not in the replies), which is how FairShare.tagIn finds its tag.
   */
  async createWith(job: NewJob, inTransaction: (tx: ChainableCommander) => void): Promise<{ record: JobRecord; replies: TransactionReplies }> {
    const fields: Record<string, string> = {
      job_id: job.job_id,
      owner: job.owner,
      correlation_id: job.correlation_id,
      status: 'queued',
      configuration: JSON.stringify(job.configuration),
      attempt: '0',
      created_at: job.created_at,
      updated_at: job.created_at,
      started_at: '',
      completed_at: '',
      error: '',
      result: '',
    };
    if (job.callback_url) fields.callback_url = job.callback_url;
    const replies = await this.call(() => {
      const tx = this.redis
        .multi()
        .hset(this.key(job.job_id), fields)
        .zadd(ownerJobsKey(this.prefix, job.owner), Date.parse(job.created_at), job.job_id);
      inTransaction(tx);
      return tx.exec();
    });
    return { record: toRecord(fields), replies: (replies ?? []) as TransactionReplies };
  }

  async get(jobId: string): Promise<JobRecord | null> {
    const h = await this.call(() => this.redis.hgetall(this.key(jobId)));
    if (!h || !h.job_id) return null;
    return toRecord(h);
  }

  /** Removes a record that never reached the queue (enqueue failed), so nothing half-made remains. */
  async remove(jobId: string, owner: string): Promise<void> {
    await this.call(() => this.redis.multi().del(this.key(jobId)).zrem(ownerJobsKey(this.prefix, owner), jobId).exec());
  }

  private async transition(jobId: string, from: readonly JobStatus[], to: JobStatus | '', fields: Record<string, string>): Promise<TransitionResult> {
    // The retention the script applies if `to` is terminal: shorter for jobs that ended without a video.
    const ttl = to === 'failed' || to === 'cancelled' ? this.failedTtl : this.ttl;
    const args = [from.join(','), to, ttl, String(Date.now()), progressChannel(this.prefix), JSON.stringify(jobId), ...Object.entries(fields).flat()];
    return (await this.call(() => this.redis.vidgenTransition(this.key(jobId), jobProgressKey(this.prefix, jobId), ...args))) as TransitionResult;
  }

  /** A worker picked the job up (first attempt, retry or stalled recovery). */
  markProcessing(jobId: string, attempt: number): Promise<TransitionResult> {
    const t = now();
    return this.transition(jobId, ['queued', 'processing'], 'processing', {
      attempt: String(attempt),
      '?started_at': t,
      updated_at: t,
      error: '',
      // An attempt's warnings are its own: the new attempt records its own.
      warnings: '',
    });
  }

  /**
   * Fences a worker's write to its own attempt: the record must still be
   * processing that attempt. A late writer (an attempt cancelled and retried,
   * or a worker presumed dead whose job another worker recovered) gets 'stale'.
   */
  private static own(attempt: number | undefined): Record<string, string> {
    return attempt === undefined ? {} : { '=attempt': String(attempt) };
  }

  /**
   * The warnings of a processing attempt (a planner fallback, say), shown with the job until
   * its next pickup. Fenced to the attempt like every worker write.
   */
  setWarnings(jobId: string, warnings: readonly JobWarning[], attempt?: number): Promise<TransitionResult> {
    return this.transition(jobId, ['processing'], '', { ...JobStore.own(attempt), warnings: warnings.length ? JSON.stringify(warnings) : '' });
  }

  /** Records a failed attempt that Bull will retry: the job shows as queued with its last error. */
  markRetrying(jobId: string, error: JobError, attempt?: number): Promise<TransitionResult> {
    return this.transition(jobId, ['processing'], 'queued', { ...JobStore.own(attempt), error: JSON.stringify(error), updated_at: now() });
  }

  /** Runs the terminal hook after a transition that took effect. */
  private async ended(jobId: string, status: TerminalJobStatus, outcome: TransitionResult, eventId: string): Promise<TransitionResult> {
    if (outcome === 'ok') await this.runHook(jobId, status, eventId);
    return outcome;
  }

  private async runHook(jobId: string, status: TerminalJobStatus, eventId: string): Promise<void> {
    if (!this.options.onTerminal) return;
    try {
      await this.options.onTerminal(jobId, status, eventId);
    } catch (err) {
      this.options.onHookError?.(err, jobId, status);
    }
  }

  /**
   * Runs the terminal hook again for a job that has ended, with the event id
   * its transition stored. For a worker that finds an ended job handed to it
   * again: the worker that ended it may have died between the transition and
   * the hook (the hook's enqueue is idempotent by event id, so a hook that did
   * run is not doubled while its event is pending). Returns the terminal
   * status, or null when the job has not ended (or is gone).
   */
  async replayTerminal(jobId: string): Promise<TerminalJobStatus | null> {
    const [status, eventId] = await this.call(() => this.redis.hmget(this.key(jobId), 'status', 'terminal_event_id'));
    if (status !== 'completed' && status !== 'failed' && status !== 'cancelled') return null;
    if (eventId) await this.runHook(jobId, status, eventId);
    return status;
  }

  /** Cancels a job that has not ended: queued or processing → cancelled. */
  async cancel(jobId: string): Promise<TransitionResult> {
    const t = now();
    const eventId = newTerminalEventId();
    const outcome = await this.transition(jobId, ['queued', 'processing'], 'cancelled', { completed_at: t, updated_at: t, terminal_event_id: eventId });
    return this.ended(jobId, 'cancelled', outcome, eventId);
  }

  /**
   * Makes a failed or cancelled job a new attempt: back to queued with its end,
   * error and result cleared, and its retention removed (record and progress
   * are PERSISTed, so the queued job cannot expire). On success returns the
   * number of resubmissions (1, 2, …), which names the fresh Bull job;
   * otherwise the refusing status or 'missing'.
   */
  async resubmit(jobId: string): Promise<{ ok: true; resubmission: number } | { ok: false; status: TransitionResult }> {
    const outcome = await this.transition(jobId, ['failed', 'cancelled'], 'queued', {
      completed_at: '',
      error: '',
      result: '',
      updated_at: now(),
    });
    if (outcome !== 'ok') return { ok: false, status: outcome };
    // Only the caller whose transition won gets here, so the count is this resubmission's own.
    const resubmission = await this.call(() => this.redis.hincrby(this.key(jobId), 'resubmissions', 1));
    return { ok: true, resubmission };
  }

  /** How many times the job was resubmitted (POST /retry); its next Bull job id is queueJobIdFor(jobId, this + 1). */
  async resubmissions(jobId: string): Promise<number> {
    return Number((await this.call(() => this.redis.hget(this.key(jobId), 'resubmissions'))) ?? 0);
  }

  /** The Bull job id of the job's current submission: the job id, then `<job_id>-r<n>` after the n-th resubmission (Bull ids are unique). */
  async queueJobId(jobId: string): Promise<string> {
    const n = Number((await this.call(() => this.redis.hget(this.key(jobId), 'resubmissions'))) ?? 0);
    return queueJobIdFor(jobId, n);
  }

  /** Deletes the record, its owner index entry and the given keys of the job (progress, metadata) at once. */
  async delete(jobId: string, owner: string, relatedKeys: readonly string[] = []): Promise<void> {
    await this.deleteWith(jobId, owner, (tx) => void (relatedKeys.length ? tx.del(...relatedKeys) : undefined));
  }

  /**
   * Deletes the record and its owner index entry in one transaction with what `inTransaction`
   * adds: the other packages delete their own data about the job there (forgetJobIn), under
   * their own keys.
   */
  async deleteWith(jobId: string, owner: string, inTransaction: (tx: ChainableCommander) => void): Promise<void> {
    await this.call(() => {
      const tx = this.redis.multi().del(this.key(jobId));
      inTransaction(tx);
      return tx.zrem(ownerJobsKey(this.prefix, owner), jobId).exec();
    });
  }

  /**
   * Finalizes a job exactly once: only a processing job can complete. The
   * internal `finalizations` counter (not part of the record) counts the
   * transitions that took effect, so tests and operators can check it stays 1.
   */
  async complete(jobId: string, result: JobResult, attempt?: number): Promise<TransitionResult> {
    const t = now();
    const eventId = newTerminalEventId();
    const outcome = await this.transition(jobId, ['processing'], 'completed', {
      terminal_event_id: eventId,
      ...JobStore.own(attempt),
      result: JSON.stringify(result),
      completed_at: t,
      updated_at: t,
      error: '',
      '+finalizations': '1',
    });
    return this.ended(jobId, 'completed', outcome, eventId);
  }

  /** Ends a job as failed. With `attempt` (a worker's own failure) only while that attempt is processing. */
  async fail(jobId: string, error: JobError, attempt?: number): Promise<TransitionResult> {
    const t = now();
    const from: JobStatus[] = attempt === undefined ? ['queued', 'processing'] : ['processing'];
    const eventId = newTerminalEventId();
    const outcome = await this.transition(jobId, from, 'failed', {
      terminal_event_id: eventId,
      ...JobStore.own(attempt),
      error: JSON.stringify(error),
      completed_at: t,
      updated_at: t,
    });
    return this.ended(jobId, 'failed', outcome, eventId);
  }
}

/** Where it always was for the callers that import it from here; it lives in @vidgen/core beside QueuePayload. */
export { queueJobIdFor };

/**
 * The record's progress summary, a function of its status: the record stores no progress of
 * its own (the job's progress run does, @vidgen/progress). Where a run stopped is the run's
 * to say (presentProgress in @vidgen/jobs); this is what a POST answer shows before reading it.
 */
export function statusProgress(status: JobStatus): JobRecord['progress'] {
  if (status === 'completed') return { percentage: 100, stage: 'completed' };
  if (status === 'failed' || status === 'cancelled') return { percentage: 0, stage: status };
  return { percentage: 0, stage: 'queued' };
}

/** The record of a stored hash (HGETALL); exported for readers that fetch many at once. */
/**
 * The fields of a record hash toRecord reads, and the only ones: a reader may fetch these by name (HMGET,
 * JobProgressTracker.readJob) instead of the whole hash. A test holds toRecord to this list.
 */
export const RECORD_FIELDS = [
  'job_id',
  'owner',
  'correlation_id',
  'status',
  'configuration',
  'attempt',
  'created_at',
  'updated_at',
  'started_at',
  'completed_at',
  'error',
  'result',
  'callback_url',
  'warnings',
] as const;

export function toRecord(h: Record<string, string>): JobRecord {
  const status = (h.status ?? 'queued') as JobStatus;
  return {
    job_id: h.job_id ?? '',
    owner: h.owner ?? '',
    correlation_id: h.correlation_id ?? '',
    status,
    progress: statusProgress(status),
    configuration: parseJson<JobConfiguration>(h.configuration) as JobConfiguration,
    attempt: Number(h.attempt ?? 0),
    created_at: h.created_at ?? '',
    updated_at: h.updated_at ?? '',
    started_at: h.started_at || null,
    completed_at: h.completed_at || null,
    error: parseJson<JobError>(h.error),
    result: parseJson<JobResult>(h.result),
    callback_url: h.callback_url || null,
    ...(h.warnings ? { warnings: parseJson<JobWarning[]>(h.warnings) ?? [] } : {}),
  };
}
