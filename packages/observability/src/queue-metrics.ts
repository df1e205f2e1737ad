import { Counter, Gauge, type Registry } from 'prom-client';
import type { QueueStats } from '@vidgen/core';

export type { QueueStats };

export interface QueueMetricsOptions {
  /** Reads the counts from the queue (a few Redis commands). */
  read: () => Promise<QueueStats>;
  /** Counts younger than this are served as they are: many scrapers cost one read. */
  cacheMs?: number;
  /** How long a scrape waits for a refresh before it answers with the previous counts. */
  maxWaitMs?: number;
  onError?: (err: unknown) => void;
  now?: () => number;
}

const STATES = ['waiting', 'active', 'delayed', 'parked', 'failed', 'completed'] as const;

/**
 * Queue gauges refreshed on scrape. A slow or unreachable Redis never blocks
 * a scrape for longer than `maxWaitMs`: the scrape gets the last counts
 * (vidgen_queue_stats_age_seconds says how old) while the read finishes.
 */
export function registerQueueMetrics(registry: Registry, options: QueueMetricsOptions): void {
  const { read, cacheMs = 5000, maxWaitMs = 250, onError, now = Date.now } = options;
  let cached: { at: number; stats: QueueStats } | null = null;
  let inflight: Promise<void> | null = null;

  const errors = new Counter({ name: 'vidgen_queue_stats_errors_total', help: 'Failed reads of the queue counts.', registers: [registry] });
  const refresh = (): Promise<void> =>
    (inflight ??= read()
      .then(
        (stats) => void (cached = { at: now(), stats }),
        (err: unknown) => {
          errors.inc();
          onError?.(err);
        },
      )
      .finally(() => (inflight = null)));

  const current = async (): Promise<QueueStats | null> => {
    if (!cached || now() - cached.at >= cacheMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([refresh(), new Promise<void>((r) => (timer = setTimeout(r, maxWaitMs)))]);
      clearTimeout(timer);
    }
    return cached?.stats ?? null;
  };

  new Gauge({
    name: 'vidgen_queue_jobs',
    help: 'Jobs in the Bull queue by state (completed and failed stay near 0: finished jobs are removed, records live under our own keys). parked: waiting for a run slot of their owner (OWNER_MAX_ACTIVE_JOBS); they sit in delayed or waiting meanwhile.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const stats = await current();
      if (stats) for (const state of STATES) this.set({ state }, stats[state]);
    },
  });
  new Gauge({
    name: 'vidgen_queue_oldest_waiting_age_seconds',
    help: 'Age of the oldest waiting job since it was submitted (0 when none waits).',
    registers: [registry],
    async collect() {
      const stats = await current();
      if (stats) this.set(stats.oldestWaitingAgeSeconds ?? 0);
    },
  });
  new Gauge({
    name: 'vidgen_queue_stats_age_seconds',
    help: 'Age of the queue counts this scrape shows.',
    registers: [registry],
    async collect() {
      await current();
      if (cached) this.set((now() - cached.at) / 1000);
    },
  });
}
