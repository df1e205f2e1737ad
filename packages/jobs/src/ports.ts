import type { JobError, JobRecord, JobResult, JobWarning, QueuePayload, QueuedJob, QueueStats, StageName, TransitionResult, TerminalStatus, VidgenError } from '@vidgen/core';

/*
 * The narrow interfaces the lifecycle is written against. The adapters implement them structurally
 * and never import this package: JobStore, OwnerBacklog, FairShare, VideoBudget, RateLimiter,
 * IdempotencyStore and BullJobQueue in @vidgen/queue, JobProgressTracker in @vidgen/progress,
 * VideoMetadataManager in @vidgen/metadata, DeliveryLog in @vidgen/webhooks.
 */

export type { TransitionResult };

/**
 * A write transaction of the record store, opaque here: the records' delete hands it to the
 * owners of the job's other data (JobDataOwner), so they go in the same transaction.
 */
export type Transaction = object;

/** What the records' create returns beside the record: the transaction's replies, one [error, reply] per command. */
export type TransactionReplies = ReadonlyArray<[Error | null, unknown]>;

export interface NewJobRecord {
  job_id: string;
  owner: string;
  correlation_id: string;
  configuration: JobRecord['configuration'];
  created_at: string;
  callback_url?: string;
}

/** The job records (JobStore). */
export interface JobRecords {
  get(jobId: string): Promise<JobRecord | null>;
  createWith(job: NewJobRecord, inTransaction: (tx: Transaction) => void): Promise<{ record: JobRecord; replies: TransactionReplies }>;
  /** Takes back a record whose enqueue failed. */
  remove(jobId: string, owner: string): Promise<void>;
  /** Deletes the record and its owner index entry; `inTransaction` adds the job's other data to the same transaction. */
  deleteWith(jobId: string, owner: string, inTransaction: (tx: Transaction) => void): Promise<void>;
  markProcessing(jobId: string, attempt: number): Promise<TransitionResult>;
  setWarnings(jobId: string, warnings: readonly JobWarning[], attempt?: number): Promise<TransitionResult>;
  markRetrying(jobId: string, error: JobError, attempt?: number): Promise<TransitionResult>;
  complete(jobId: string, result: JobResult, attempt?: number): Promise<TransitionResult>;
  fail(jobId: string, error: JobError, attempt?: number): Promise<TransitionResult>;
  cancel(jobId: string): Promise<TransitionResult>;
  resubmit(jobId: string): Promise<{ ok: true; resubmission: number } | { ok: false; status: TransitionResult }>;
  resubmissions(jobId: string): Promise<number>;
  /** The queue job id of the job's current submission. */
  queueJobId(jobId: string): Promise<string>;
  /** Replays the terminal event of an ended job (same event id). */
  replayTerminal(jobId: string): Promise<TerminalStatus | null>;
}

/** Another package's data about a job (progress, metadata, webhook deliveries), forgotten with its record. */
export interface JobDataOwner {
  forgetJobIn(tx: Transaction, jobId: string, owner: string): void;
}

/** A progress run's refusal or acceptance; only what the lifecycle reads of it. */
export type RunWrite = { ok: true } | { ok: false; reason: string; error?: VidgenError };
export type RunStart = { ok: true; runId: string } | { ok: false; reason: string; error?: VidgenError };

/** The progress runs of jobs (JobProgressTracker). */
export interface ProgressRuns {
  startRun(jobId: string, options: { attempt: number }): Promise<RunStart>;
  skipStage(jobId: string, runId: string, stage: StageName): Promise<RunWrite>;
  setStageDetail(jobId: string, runId: string, stage: StageName, detail: Record<string, unknown>): Promise<RunWrite>;
}

/** A throttled progress reporter of one run (createProgressCallback). */
export interface ProgressReporter {
  (stage: StageName, percentage: number): void;
  flush(): Promise<void>;
}

/** A job as the queue hands it to its handler (declared in core; BullJobQueue makes them): no queue library's type leaves the adapter. */
export type { QueuedJob, QueueStats };

export interface EnqueueOptions {
  attempts: number;
  backoffMs: number;
  /** The queue job id; default the job id. A resubmitted job needs a fresh one (queueJobIdFor). */
  queueJobId?: string;
  /** Lower runs first (the owner-fair tag); absent: FIFO. */
  priority?: number;
}

/**
 * The video queue (BullJobQueue in @vidgen/queue). Payloads carry ids only; the records are the
 * truth, the queue only says what runs next and how often.
 */
export interface JobQueue<T = QueuePayload> {
  enqueue(payload: T, options: EnqueueOptions): Promise<void>;
  /** Runs the handler on each job; a thrown error spends an attempt (see QueuedJob for the other outcomes). */
  consume(concurrency: number, handler: (job: QueuedJob<T>) => Promise<void>): void;
  /** Removes a job that waits; false when it is running (its worker stops it) or gone. */
  remove(queueJobId: string): Promise<boolean>;
  stats(): Promise<QueueStats>;
  /** How many jobs would run before each of these; null where unknown. */
  positions(jobIds: readonly string[]): Promise<(number | null)[]>;
}

/** Deleting a job's stored objects runs on the workers (the maintenance queue). */
export interface PurgeQueue {
  enqueuePurge(payload: { job_id: string; owner: string; correlation_id: string }, options?: { delayMs?: number }): Promise<void>;
}

/** Tells the workers to abort a job's running attempt (the control channel); resolves to the receivers. */
export type PublishCancel = (jobId: string) => Promise<number>;

/** OWNER_DAILY_VIDEO_SECONDS (VideoBudget), keyed by the queue job id. */
export interface VideoSeconds {
  readonly limitSeconds: number;
  reserve(owner: string, queueJobId: string, seconds: number): Promise<{ ok: true } | { ok: false; usedSeconds: number; reservedSeconds: number; freesAt: Date | null }>;
  settle(owner: string, queueJobId: string, seconds: number): Promise<void>;
  charge(owner: string, queueJobId: string): Promise<void>;
  release(owner: string, queueJobId: string): Promise<boolean>;
  headroomFor(owner: string, queueJobId: string): Promise<number>;
}

/** Each owner's queued jobs, for OWNER_MAX_QUEUED_JOBS (OwnerBacklog). */
export interface Backlog {
  count(owner: string, atLeast: number): Promise<number>;
  add(owner: string, jobId: string): Promise<void>;
  addIn(tx: Transaction, owner: string, jobId: string): void;
}

/** Owner-fair priorities (FairShare). */
export interface FairTags {
  tagFor(owner: string, videoSeconds: number): Promise<number>;
  tagIn(tx: Transaction, owner: string, videoSeconds: number): (replies: TransactionReplies) => number;
}

/** Submissions per owner and window (RateLimiter). */
export interface SubmitRate {
  take(owner: string): Promise<{ allowed: boolean; retryAfterSeconds: number }>;
}

/** Idempotency-Key claims (IdempotencyStore). */
export interface IdempotencyClaims {
  claim(owner: string, key: string, entry: { fingerprint: string; job_id: string }): Promise<{ claimed: true } | { claimed: false; existing: { fingerprint: string; job_id: string } | null }>;
  release(owner: string, key: string, jobId: string): Promise<void>;
}

/**
 * The object store as the delivery uses it (S3UploadManager in @vidgen/storage implements it
 * structurally): upload one file or a batch, each verified once stored, and say how many bytes
 * it holds.
 */
export interface ObjectUpload {
  key: string;
  filePath: string;
  contentType: string;
  /** Bytes sent so far, for the uploading stage's progress. */
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
}

export interface StoredObject {
  /** What the store holds under the key (the record's size_bytes). */
  size_bytes: number;
}

export interface ObjectUploads {
  uploadFile(request: ObjectUpload, signal?: AbortSignal): Promise<StoredObject>;
  /** Results in the order of the requests. */
  uploadBatch(requests: readonly ObjectUpload[], signal?: AbortSignal): Promise<StoredObject[]>;
}
