import { randomUUID } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import {
  DEFAULT_STAGE_WEIGHTS,
  VidgenError,
  isStageName,
  isTerminalStatus,
  normalizeWeights,
  silentLogger,
  type Logger,
  type ProgressStage,
  type StageName,
  type StageWeights,
  type JobRecord,
  type TerminalStatus,
} from '@vidgen/core';
import { RECORD_FIELDS, asRedisError, toRecord } from '@vidgen/queue';
import { jobKey, progressChannel, progressKey } from './keys';
import type { Accepted, ProgressResult, RefusalReason, Refused, StartRunResult } from './results';
import { buildProgressScript, type ProgressScript } from './script';
import { SNAPSHOT_FIELDS, parseSnapshot, type ProgressSnapshot } from './snapshot';
import { isValidAttempt, normalizeStagePercentage } from './validate';

export const DEFAULT_TERMINAL_TTL_SECONDS = 30 * 24 * 60 * 60;

export interface JobProgressTrackerOptions {
  redis: Redis;
  /** The deployment's key prefix (QUEUE_PREFIX). */
  prefix: string;
  /** Relative stage weights; validated and normalized with normalizeWeights. */
  weights?: StageWeights;
  logger?: Logger;
  /** ms since epoch; injectable for tests. */
  clock?: () => number;
  /** How long progress and the job record are kept after a terminal status. */
  terminalTtlSeconds?: number;
  /** The same for failed and cancelled jobs (JOB_RECORD_TTL_FAILED_SECONDS); default terminalTtlSeconds. */
  failedTtlSeconds?: number;
}

/** What the progress callback needs from a tracker (so it can be tested against a fake). */
export interface ProgressWriter {
  update(jobId: string, runId: string, stage: StageName, stagePercentage: number): Promise<ProgressResult>;
}

type ScriptReply = string[];

/** Lua string literals of field names (ours: letters, digits, `_` and `:`, nothing to escape). */
const luaFields = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');

/**
 * Both of a job's hashes at once: KEYS[1] the record, KEYS[2] its progress (one hash tag, one Cluster slot).
 * HMGET of the fields toRecord and parseSnapshot read, named in the script: the reply carries values only,
 * in a known order, so a read parses and converts half the strings HGETALL's would, and builds its hashes
 * with the names above instead of a new string per field (pnpm load --profile get).
 */
const READ_JOB = `return { redis.call('HMGET', KEYS[1], ${luaFields(RECORD_FIELDS)}), redis.call('HMGET', KEYS[2], ${luaFields(SNAPSHOT_FIELDS)}) }`;
interface ReadJobCommand {
  vidgenReadJob(recordKey: string, progressKey: string): Promise<[(string | null)[], (string | null)[]]>;
}

/** An HMGET reply of `names` as a hash; a missing field (nil) is absent, as from HGETALL. */
function named(names: readonly string[], values: readonly (string | null)[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) {
    const value = values[i];
    if (value !== null && value !== undefined) hash[names[i]!] = value;
  }
  return hash;
}

/** A stage's detail, written only while ARGV[1] is the current run. */
// An ended run is final (its job's terminal transition ended it): a late detail, e.g. the planner's
// after a cancel, would change what GET shows after the webhook body was built.
const STAGE_DETAIL = `
local h = redis.call('HMGET', KEYS[1], 'run_id', 'status')
if h[1] ~= ARGV[1] then return 'stale' end
if h[2] ~= 'processing' then return 'terminal' end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
return 'ok'
`;

type ScriptCommand = (k1: string, k2: string, ...args: string[]) => Promise<ScriptReply>;

/**
 * Stores a job's progress per run with atomic, monotonic updates. Writes
 * never throw: invalid updates and Redis failures come back as typed results
 * (and are logged), so a progress problem can never fail a render.
 */
export class JobProgressTracker implements ProgressWriter {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly ttl: number;
  private readonly failedTtl: number;
  private readonly script: ProgressScript;
  private readonly channel: string;
  readonly weights: StageWeights;

  constructor(options: JobProgressTrackerOptions) {
    const { redis, prefix, weights = DEFAULT_STAGE_WEIGHTS, logger = silentLogger, clock = Date.now } = options;
    const { terminalTtlSeconds = DEFAULT_TERMINAL_TTL_SECONDS, failedTtlSeconds = terminalTtlSeconds } = options;
    for (const ttl of [terminalTtlSeconds, failedTtlSeconds]) {
      if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new RangeError('terminalTtlSeconds and failedTtlSeconds must be positive whole numbers of seconds');
    }
    this.failedTtl = failedTtlSeconds;
    this.redis = redis;
    this.prefix = prefix;
    this.weights = normalizeWeights(weights);
    this.logger = logger.child({ component: 'progress' });
    this.clock = clock;
    this.ttl = terminalTtlSeconds;
    this.script = buildProgressScript(this.weights);
    this.channel = progressChannel(prefix);
    if (typeof (redis as unknown as Record<string, unknown>)[this.script.name] !== 'function') {
      redis.defineCommand(this.script.name, { numberOfKeys: 2, lua: this.script.lua });
    }
    if (typeof (redis as unknown as Partial<ReadJobCommand>).vidgenReadJob !== 'function') {
      redis.defineCommand('vidgenReadJob', { numberOfKeys: 2, lua: READ_JOB });
    }
  }

  /** Every pickup of a job (first attempt, retry, stalled recovery) starts a new run; older run ids are refused from then on. */
  async startRun(jobId: string, options: { attempt: number }): Promise<StartRunResult> {
    const { attempt } = options;
    if (!isValidAttempt(attempt)) return this.refuse(jobId, 'invalid_attempt', { attempt });
    const runId = randomUUID();
    const result = await this.run(jobId, 'start', runId, String(attempt));
    return result.ok ? { ...result, runId } : result;
  }

  /** Records `stage` at `stagePercentage` (clamped to 0..100, two decimals). */
  async update(jobId: string, runId: string, stage: StageName, stagePercentage: number): Promise<ProgressResult> {
    if (!isStageName(stage)) return this.refuse(jobId, 'unknown_stage', { run_id: runId, stage });
    const pct = normalizeStagePercentage(stagePercentage);
    if (pct === null) return this.refuse(jobId, 'invalid_percentage', { run_id: runId, stage, stage_percentage: String(stagePercentage) });
    return this.run(jobId, 'update', runId, stage, String(pct));
  }

  /** Marks the current or a later stage skipped; skipped stages count as finished. */
  async skipStage(jobId: string, runId: string, stage: StageName): Promise<ProgressResult> {
    if (!isStageName(stage)) return this.refuse(jobId, 'unknown_stage', { run_id: runId, stage });
    return this.run(jobId, 'skip', runId, stage);
  }

  /**
   * Attaches what a stage wants to tell (the planning stage: planner, model, tokens, latency)
   * to the run's snapshot (stages[].detail). Only while `runId` is the job's run; stored with
   * the run id, so a later run does not show it. Never throws, like every write.
   */
  async setStageDetail(jobId: string, runId: string, stage: StageName, detail: Record<string, unknown>): Promise<{ ok: true } | Refused> {
    if (!isStageName(stage)) return this.refuse(jobId, 'unknown_stage', { run_id: runId, stage });
    try {
      const reply = await this.redis.eval(STAGE_DETAIL, 1, progressKey(this.prefix, jobId), runId, `${stage}:detail`, JSON.stringify({ ...detail, run_id: runId }));
      return reply === 'ok' ? { ok: true } : this.refuse(jobId, reply === 'terminal' ? 'terminal' : 'stale_run', { run_id: runId, stage });
    } catch (err) {
      const error = toDependencyError(err);
      this.logger.warn('stage detail not written', { job_id: jobId, stage, err: error.message });
      return { ok: false, reason: error.code === 'REDIS_UNAVAILABLE' ? 'redis_unavailable' : 'redis_error', error };
    }
  }

  /**
   * Ends the run with a terminal status and starts retention (EXPIRE on progress and the job record).
   * A job's terminal transition (JobStore.complete, fail, cancel) ends its run already, in the same
   * script as the record; this ends a run on its own, for a caller that has no record transition.
   */
  async finish(jobId: string, runId: string, status: TerminalStatus): Promise<ProgressResult> {
    if (!isTerminalStatus(status)) return this.refuse(jobId, 'invalid_status', { run_id: runId, status });
    return this.run(jobId, 'finish', runId, status, '', String(status === 'completed' ? this.ttl : this.failedTtl));
  }

  /** Deletes the job's progress, in the caller's transaction (the job's delete). */
  forgetJobIn(tx: ChainableCommander, jobId: string): void {
    tx.del(progressKey(this.prefix, jobId));
  }

  /**
   * The stored progress, or null when the job has none. Unlike writes this
   * throws (a categorized REDIS_UNAVAILABLE VidgenError) because a reader must
   * tell "no progress" from "cannot know".
   */
  async getSnapshot(jobId: string): Promise<ProgressSnapshot | null> {
    let hash: Record<string, string>;
    try {
      hash = await this.redis.hgetall(progressKey(this.prefix, jobId));
    } catch (err) {
      throw toDependencyError(err);
    }
    return parseSnapshot(hash, this.clock());
  }

  /** The snapshots of several jobs (a list page) in one pipeline, in the order of `jobIds`. Throws like getSnapshot. */
  async getSnapshots(jobIds: readonly string[]): Promise<(ProgressSnapshot | null)[]> {
    if (jobIds.length === 0) return [];
    let replies: [Error | null, unknown][] | null;
    try {
      const pipeline = this.redis.pipeline();
      for (const jobId of jobIds) pipeline.hgetall(progressKey(this.prefix, jobId));
      replies = await pipeline.exec();
    } catch (err) {
      throw toDependencyError(err);
    }
    const now = this.clock();
    return jobIds.map((_, i) => {
      const [err, hash] = replies?.[i] ?? [new Error('pipeline aborted'), null];
      if (err) throw toDependencyError(err);
      return parseSnapshot(hash as Record<string, string>, now);
    });
  }

  /**
   * The job's record and its progress in one script call (READ_JOB): one
   * command and one round trip instead of two reads in a row, and both hashes
   * as of one instant, so a reader never pairs a record with progress written
   * after it (a pickup writes the record first and starts the run second). The
   * record is null when the job is unknown. Throws a categorized VidgenError like getSnapshot.
   */
  async readJob(jobId: string): Promise<{ record: JobRecord | null; snapshot: ProgressSnapshot | null }> {
    let reply: [(string | null)[], (string | null)[]];
    try {
      reply = await (this.redis as unknown as ReadJobCommand).vidgenReadJob(jobKey(this.prefix, jobId), progressKey(this.prefix, jobId));
    } catch (err) {
      throw toDependencyError(err);
    }
    const record = named(RECORD_FIELDS, reply[0]);
    return { record: record.job_id ? toRecord(record) : null, snapshot: parseSnapshot(named(SNAPSHOT_FIELDS, reply[1]), this.clock()) };
  }

  private async run(jobId: string, op: string, runId: string, ...rest: string[]): Promise<ProgressResult> {
    const command = (this.redis as unknown as Record<string, ScriptCommand>)[this.script.name] as ScriptCommand;
    let reply: ScriptReply;
    try {
      reply = await command.call(
        this.redis,
        progressKey(this.prefix, jobId),
        jobKey(this.prefix, jobId),
        op,
        runId,
        String(this.clock()),
        this.channel,
        // Pre-encoded so the script can splice it into the event JSON as is.
        JSON.stringify(jobId),
        ...rest,
      );
    } catch (err) {
      const error = toDependencyError(err);
      const reason: RefusalReason = error.code === 'REDIS_UNAVAILABLE' ? 'redis_unavailable' : 'redis_error';
      this.logger.error('progress write failed', { job_id: jobId, run_id: runId, op, reason, code: error.code, category: error.category, cause: String(err) });
      return { ok: false, reason, error };
    }
    const [head, version, run, percentage, stage, current, stagePercentage] = reply;
    if (head !== 'ok') return this.refuse(jobId, head as RefusalReason, { run_id: runId, op, ...describe(op, rest) });
    const accepted: Accepted = {
      ok: true,
      version: Number(version),
      run_id: run ?? runId,
      percentage: Number(percentage),
      stage: stage as ProgressStage,
      current_stage: current as StageName,
      stage_percentage: Number(stagePercentage),
    };
    return accepted;
  }

  private refuse(jobId: string, reason: RefusalReason, meta: Record<string, unknown>): Refused {
    // Refusals are expected under races (late or duplicate writers), so warn rather than error.
    this.logger.warn('progress update refused', { job_id: jobId, reason, ...meta });
    return { ok: false, reason };
  }
}

function describe(op: string, rest: string[]): Record<string, unknown> {
  if (op === 'update') return { stage: rest[0], stage_percentage: rest[1] };
  if (op === 'skip') return { stage: rest[0] };
  if (op === 'finish') return { status: rest[0] };
  return { attempt: rest[0] };
}

/** Connection failures become REDIS_UNAVAILABLE (dependency_unavailable); anything else is an internal error. */
function toDependencyError(err: unknown): VidgenError {
  const mapped = asRedisError(err);
  return mapped instanceof VidgenError ? mapped : new VidgenError('INTERNAL_ERROR', { cause: err });
}
