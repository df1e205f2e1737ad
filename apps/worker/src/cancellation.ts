import { VidgenError, type Logger } from '@vidgen/core';
import { closeRedis, controlChannel, createRedis, parseControlMessage, type Redis } from '@vidgen/queue';

export interface CancellationRegistryOptions {
  redisUrl: string;
  prefix: string;
  logger: Logger;
  /**
   * How long a cancel for a job with no signal yet is remembered, so a job
   * picked up right after its cancel still starts aborted. The record being
   * cancelled is what really stops it; this only closes the gap.
   */
  rememberMs?: number;
  now?: () => number;
}

/**
 * Per-job AbortSignals driven by the control channel `<prefix>:control`.
 * The handler asks `signalFor(jobId)` when it starts a job and passes the
 * signal down the pipeline; `release(jobId)` when the attempt ends. A cancel
 * message (packages/queue publishCancel) aborts the job's signal with a
 * JOB_CANCELLED VidgenError as its reason. `abort(jobId, reason)` aborts
 * locally (e.g. a per-job time limit with JOB_TIMEOUT).
 *
 * A subscribed connection can run nothing else, so the registry owns a
 * dedicated ioredis connection; ioredis re-subscribes after a reconnect.
 */
export class CancellationRegistry {
  private readonly controllers = new Map<string, AbortController>();
  private readonly recent = new Map<string, number>();
  private readonly redis: Redis;
  private readonly channel: string;
  private readonly rememberMs: number;
  private readonly now: () => number;
  private readonly logger: Logger;

  constructor(options: CancellationRegistryOptions) {
    const { redisUrl, prefix, logger, rememberMs = 60_000, now = Date.now } = options;
    this.channel = controlChannel(prefix);
    this.rememberMs = rememberMs;
    this.now = now;
    this.logger = logger;
    this.redis = createRedis({ url: redisUrl, connectionName: 'vidgen-worker-control' });
    this.redis.on('error', (err: Error) => logger.warn('control channel redis error', { err: err.message }));
    this.redis.on('message', (channel: string, raw: string) => {
      if (channel !== this.channel) return;
      const message = parseControlMessage(raw);
      if (!message) {
        logger.warn('ignoring malformed control message', { channel });
        return;
      }
      this.abort(message.job_id, new VidgenError('JOB_CANCELLED'));
    });
  }

  /** Subscribes to the control channel; resolves once the subscription is active. */
  async start(): Promise<void> {
    await this.redis.subscribe(this.channel);
  }

  /** The job's signal; the same one until release. Already aborted if a cancel arrived just before. */
  signalFor(jobId: string): AbortSignal {
    let controller = this.controllers.get(jobId);
    if (!controller) {
      controller = new AbortController();
      this.controllers.set(jobId, controller);
      this.prune();
      if (this.recent.has(jobId)) controller.abort(new VidgenError('JOB_CANCELLED'));
    }
    return controller.signal;
  }

  /** Aborts the job's signal with `reason`; remembered for a while if the job has no signal yet. Returns whether a signal was aborted. */
  abort(jobId: string, reason: VidgenError): boolean {
    const controller = this.controllers.get(jobId);
    if (!controller) {
      if (reason.code === 'JOB_CANCELLED') this.recent.set(jobId, this.now());
      this.prune();
      return false;
    }
    if (!controller.signal.aborted) {
      this.logger.info('aborting job', { job_id: jobId, code: reason.code });
      controller.abort(reason);
    }
    return true;
  }

  /** Forgets the job's signal (the attempt ended). */
  release(jobId: string): void {
    this.controllers.delete(jobId);
    this.recent.delete(jobId);
  }

  /** Jobs that hold a signal right now. */
  get size(): number {
    return this.controllers.size;
  }

  async close(): Promise<void> {
    this.controllers.clear();
    this.recent.clear();
    await closeRedis(this.redis);
  }

  private prune(): void {
    const cutoff = this.now() - this.rememberMs;
    for (const [jobId, at] of this.recent) if (at < cutoff) this.recent.delete(jobId);
  }
}
