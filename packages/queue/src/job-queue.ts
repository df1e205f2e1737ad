import type Bull from 'bull';
import type { Logger, QueuePayload, QueuedJob } from '@vidgen/core';
import { enqueueJob, type EnqueueOptions, type VideoQueue } from './bull';
import { gateByOwner, type OwnerGateDeps } from './owner-gate';
import { queuePositions } from './owner-backlog';
import type { Redis } from './redis';
import { readQueueStats, type VideoQueueStats } from './stats';

/** A job as a handler sees it, without Bull (QueuedJob in @vidgen/core). */
export type ConsumedJob<T> = QueuedJob<T>;

export type ConsumedJobHandler<T> = (job: ConsumedJob<T>) => Promise<void>;

/** The neutral view of a Bull job; its two outcomes act on the Bull job itself. */
export function consumedJob<T>(job: Bull.Job<T>): ConsumedJob<T> {
  return {
    id: String(job.id),
    data: job.data,
    attempt: job.attemptsMade + 1,
    // A getter: retryEvenIfLast raises Bull's own count, and this shows it.
    get attemptsAllowed() {
      return job.opts.attempts ?? 1;
    },
    retryEvenIfLast() {
      // Bull decides from the job's in-memory options whether it retries (Job.moveToFailed).
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) job.opts.attempts = job.attemptsMade + 2;
    },
    failPermanently: () => job.discard(),
  };
}

/** Runs `handler` on a Bull queue's jobs (one processor, no named ones), `concurrency` at a time. */
export function consumeQueue<T>(queue: Bull.Queue<T>, concurrency: number, handler: ConsumedJobHandler<T>): void {
  void queue.process(concurrency, (job: Bull.Job<T>) => handler(consumedJob(job)));
}

/** OWNER_MAX_ACTIVE_JOBS in front of the handler (see gateByOwner), in neutral terms. */
export interface ConsumeGate<T> {
  leases: OwnerGateDeps<T>['leases'];
  ownerOf: (job: ConsumedJob<T>) => Promise<string | null>;
  /** A job really starts; `priority` is its owner-fair tag (FairShare), absent in FIFO. */
  onStart?: (job: ConsumedJob<T>, priority: number | undefined) => void;
  logger: Logger;
}

/**
 * The video-generation queue behind a small interface (JobQueue in @vidgen/jobs): the API enqueues,
 * removes and reads positions, the worker consumes, both read stats. The Bull queue stays reachable
 * as `bull` for the queue board and for tests that look at Bull's own state.
 */
export class BullJobQueue {
  constructor(
    readonly bull: VideoQueue,
    private readonly positionsFrom?: { redis: Redis; prefix: string },
  ) {}

  /** Adds a job; `queueJobId` is its Bull job id (default the job id). */
  async enqueue(payload: QueuePayload, options: Omit<EnqueueOptions, 'bullJobId'> & { queueJobId?: string }): Promise<void> {
    const { queueJobId, ...rest } = options;
    await enqueueJob(this.bull, payload, { ...rest, ...(queueJobId ? { bullJobId: queueJobId } : {}) });
  }

  consume(concurrency: number, handler: ConsumedJobHandler<QueuePayload>, gate?: ConsumeGate<QueuePayload>): void {
    if (!gate) return consumeQueue(this.bull, concurrency, handler);
    const gated = gateByOwner((job: Bull.Job<QueuePayload>) => handler(consumedJob(job)), {
      leases: gate.leases,
      ownerOf: (job) => gate.ownerOf(consumedJob(job)),
      onStart: (job) => gate.onStart?.(consumedJob(job), job.opts.priority),
      logger: gate.logger,
    });
    void this.bull.process(concurrency, gated);
  }

  /** Removes a queue job that waits (waiting, delayed, paused); an active one is left to its worker. */
  async remove(queueJobId: string): Promise<boolean> {
    const job = await this.bull.getJob(queueJobId);
    if (!job) return false;
    const state = await job.getState();
    if (state !== 'waiting' && state !== 'delayed' && state !== 'paused') return false;
    return job.remove().then(
      () => true,
      () => false,
    );
  }

  stats(): Promise<VideoQueueStats> {
    return readQueueStats(this.bull);
  }

  /** Jobs that would run before each of these (see queuePositions). */
  positions(jobIds: readonly string[]): Promise<(number | null)[]> {
    if (!this.positionsFrom) return Promise.resolve(jobIds.map(() => null));
    return queuePositions(this.bull, this.positionsFrom.redis, this.positionsFrom.prefix, jobIds);
  }

  /** Stops taking jobs and waits for the active ones; `doNotWait`: closes without them. */
  close(doNotWait?: boolean): Promise<void> {
    return this.bull.close(doNotWait);
  }

  onError(listener: (err: Error) => void): void {
    this.bull.on('error', listener);
  }
}
