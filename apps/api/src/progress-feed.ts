import Redis from 'ioredis';
import type { Logger } from '@vidgen/core';
import { ProgressSubscriber } from '@vidgen/progress';

/**
 * The feed's own connection. Unlike the API's request client it waits instead of
 * failing fast: SUBSCRIBE is queued until Redis is reachable, and ioredis
 * resubscribes by itself after every reconnect.
 */
export function createFeedRedis(url: string): Redis {
  return new Redis(url, {
    connectionName: 'vidgen-api-progress',
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  });
}

export interface FeedWatcher {
  /** The job may have changed: a progress event for it (its version), or a resubscribe after a lost connection (null). */
  onChange(hint: { version: number | null }): void;
  /** The feed is closing (the API stops). */
  onClose(): void;
}

/**
 * One ProgressSubscriber per API process, on its own connection, fanned out to
 * the open event streams. Events published while the connection was down are
 * not replayed, so every watcher is told to re-read when it comes back.
 */
export class ProgressFeed {
  private readonly subscriber: ProgressSubscriber;
  private readonly watchers = new Set<FeedWatcher>();
  private connectedOnce = false;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly logger: Logger,
  ) {
    this.subscriber = new ProgressSubscriber({ redis, prefix, logger });
    redis.on('ready', this.onReady);
  }

  /** Subscribes in the background: ioredis queues SUBSCRIBE until Redis is reachable and resubscribes after reconnects. */
  start(): void {
    this.subscriber.start().catch((err: unknown) => this.logger.warn('progress subscribe failed', { err: String(err) }));
  }

  watch(jobId: string, watcher: FeedWatcher): () => void {
    const off = this.subscriber.on(jobId, (event) => watcher.onChange({ version: event.version }));
    this.watchers.add(watcher);
    return () => {
      off();
      this.watchers.delete(watcher);
    };
  }

  /** Open streams (for leak checks). */
  get size(): number {
    return this.watchers.size;
  }

  async close(): Promise<void> {
    this.redis.off('ready', this.onReady);
    for (const watcher of [...this.watchers]) watcher.onClose();
    this.watchers.clear();
    await this.subscriber.close();
  }

  private readonly onReady = (): void => {
    if (!this.connectedOnce) {
      this.connectedOnce = true;
      return;
    }
    this.logger.info('progress subscription restored; streams re-read their jobs', { streams: this.watchers.size });
    for (const watcher of [...this.watchers]) watcher.onChange({ version: null });
  };
}

export interface EventStreamLimits {
  /** Open streams of this API process (SSE_MAX_STREAMS). */
  maxStreams: number;
  /** Open streams of one owner on this API process (SSE_MAX_STREAMS_PER_OWNER). */
  maxStreamsPerOwner: number;
}

export type StreamSlot = { ok: true; release: () => void } | { ok: false; scope: 'owner' | 'process'; limit: number };

/**
 * Counts the open event streams of this API process, in all and per owner.
 * A stream takes a slot before it reads anything and gives it back, exactly
 * once, however it ends (client gone, terminal event, lifetime, shutdown,
 * error): `release` is idempotent, so every exit path may call it.
 */
export class EventStreamSlots {
  private total = 0;
  private readonly byOwner = new Map<string, number>();

  constructor(private readonly limits: EventStreamLimits) {}

  acquire(owner: string): StreamSlot {
    const mine = this.byOwner.get(owner) ?? 0;
    // The owner's own limit first: that one the client can do something about.
    if (mine >= this.limits.maxStreamsPerOwner) return { ok: false, scope: 'owner', limit: this.limits.maxStreamsPerOwner };
    if (this.total >= this.limits.maxStreams) return { ok: false, scope: 'process', limit: this.limits.maxStreams };
    this.total += 1;
    this.byOwner.set(owner, mine + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.total -= 1;
        const left = (this.byOwner.get(owner) ?? 1) - 1;
        if (left > 0) this.byOwner.set(owner, left);
        else this.byOwner.delete(owner);
      },
    };
  }

  /** Slots held right now (leak checks). */
  get size(): number {
    return this.total;
  }

  /** Slots one owner holds right now. */
  heldBy(owner: string): number {
    return this.byOwner.get(owner) ?? 0;
  }
}
