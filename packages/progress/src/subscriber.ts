import type { Redis } from 'ioredis';
import { silentLogger, type Logger } from '@vidgen/core';
import { parseProgressEvent, type ProgressEvent } from './event';
import { progressChannel } from './keys';

export type ProgressListener = (event: ProgressEvent) => void;

export interface ProgressSubscriberOptions {
  /** A dedicated connection: a subscribed ioredis client cannot run other commands. */
  redis: Redis;
  prefix: string;
  logger?: Logger;
}

/**
 * One subscription to `<prefix>:progress` per process, fanned out to per-job
 * listeners (e.g. one per open SSE stream). Events arrive in version order:
 * each is published inside the script that assigned its version.
 */
export class ProgressSubscriber {
  private readonly redis: Redis;
  private readonly channel: string;
  private readonly logger: Logger;
  private readonly listeners = new Map<string, Set<ProgressListener>>();
  private started: Promise<void> | null = null;

  constructor(options: ProgressSubscriberOptions) {
    const { redis, prefix, logger = silentLogger } = options;
    this.redis = redis;
    this.channel = progressChannel(prefix);
    this.logger = logger.child({ component: 'progress-subscriber' });
  }

  /** Subscribes once; later calls return the same promise. Rejects if SUBSCRIBE fails. */
  start(): Promise<void> {
    if (!this.started) {
      this.redis.on('message', this.onMessage);
      this.started = this.redis.subscribe(this.channel).then(
        () => undefined,
        (err: unknown) => {
          this.redis.off('message', this.onMessage);
          this.started = null;
          throw err;
        },
      );
    }
    return this.started;
  }

  /** Registers a listener for one job; returns its unsubscribe function. */
  on(jobId: string, listener: ProgressListener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) {
      set = new Set();
      this.listeners.set(jobId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(jobId);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.listeners.delete(jobId);
    };
  }

  /** Number of jobs with at least one listener (for metrics and leak checks). */
  get jobCount(): number {
    return this.listeners.size;
  }

  /** Unsubscribes and drops all listeners; the connection itself belongs to the caller. */
  async close(): Promise<void> {
    this.listeners.clear();
    if (!this.started) return;
    this.redis.off('message', this.onMessage);
    this.started = null;
    try {
      await this.redis.unsubscribe(this.channel);
    } catch (err) {
      this.logger.debug('progress unsubscribe failed', { cause: String(err) });
    }
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.channel) return;
    const event = parseProgressEvent(message);
    if (!event) {
      this.logger.warn('ignoring malformed progress event', { message: message.slice(0, 200) });
      return;
    }
    const set = this.listeners.get(event.job_id);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch (err) {
        this.logger.warn('progress listener threw', { job_id: event.job_id, cause: String(err) });
      }
    }
  };
}
