import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsRegistryOptions {
  service: 'api' | 'worker' | string;
  version?: string;
  /** Process metrics (CPU, memory, event-loop lag, GC); tests that build many registries turn them off. */
  processMetrics?: boolean;
}

/**
 * One registry per process, never prom-client's global one: tests run several
 * apps in one process, and a global registry would make their metrics collide.
 * Every series carries `service` (api|worker), so one Prometheus job may scrape both.
 */
export function createMetricsRegistry(options: MetricsRegistryOptions): Registry {
  const { service, version = '0.0.0', processMetrics = true } = options;
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (processMetrics) collectDefaultMetrics({ register: registry, prefix: 'vidgen_' });
  // The version is a label of one constant series instead of every series (keeps cardinality flat across deploys).
  new Gauge({
    name: 'vidgen_build_info',
    help: 'Always 1; the labels say which version runs.',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version }, 1);
  return registry;
}

/** The body and content type of a scrape; shared by the API route and the worker's health server. */
export async function renderMetrics(registry: Registry): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}
