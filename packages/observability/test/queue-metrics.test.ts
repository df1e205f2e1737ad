import { createMetricsRegistry } from '../src/metrics-registry';
import { registerQueueMetrics, type QueueStats } from '../src/queue-metrics';

const stats = (waiting: number): QueueStats => ({ waiting, active: 1, delayed: 2, parked: 0, failed: 0, completed: 0, oldestWaitingAgeSeconds: waiting ? 30 : null });

async function gauge(registry: ReturnType<typeof createMetricsRegistry>, name: string, state?: string): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.find((v) => state === undefined || v.labels.state === state)?.value;
}

describe('queue metrics', () => {
  it('reads the queue on scrape, then serves the cached counts until they are older than cacheMs', async () => {
    let clock = 1_000_000;
    let reads = 0;
    const registry = createMetricsRegistry({ service: 'worker', processMetrics: false });
    registerQueueMetrics(registry, { read: async () => stats(++reads), cacheMs: 5000, now: () => clock });

    await registry.metrics();
    expect(reads).toBe(1);
    expect(await gauge(registry, 'vidgen_queue_jobs', 'waiting')).toBe(1);
    expect(await gauge(registry, 'vidgen_queue_jobs', 'delayed')).toBe(2);
    expect(await gauge(registry, 'vidgen_queue_oldest_waiting_age_seconds')).toBe(30);

    clock += 4000;
    await registry.metrics();
    expect(reads).toBe(1);

    clock += 2000;
    const text = await registry.metrics();
    expect(reads).toBe(2);
    expect(text).toContain('vidgen_queue_jobs{state="waiting",service="worker"} 2');
  });

  it('never holds a scrape on a read that hangs: it answers with the last counts and counts the failure later', async () => {
    let clock = 0;
    let release: (() => void) | null = null;
    let fail = false;
    const registry = createMetricsRegistry({ service: 'api', processMetrics: false });
    registerQueueMetrics(registry, {
      read: () =>
        fail
          ? new Promise<QueueStats>((_, reject) => (release = () => reject(new Error('redis down'))))
          : Promise.resolve(stats(7)),
      cacheMs: 1000,
      maxWaitMs: 20,
      now: () => clock,
    });
    await registry.metrics();
    fail = true;
    clock += 5000;
    // The read never settles until released; the scrape still completes with the previous counts.
    const text = await registry.metrics();
    expect(text).toContain('vidgen_queue_jobs{state="waiting",service="api"} 7');
    expect(text).toMatch(/vidgen_queue_stats_age_seconds\{service="api"\} 5\b/);
    release!();
    await new Promise((r) => setImmediate(r));
    expect(await registry.metrics()).toMatch(/vidgen_queue_stats_errors_total\{service="api"\} 1\b/);
  });
});
