import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApiMetrics } from '../src/api-metrics';
import { createMetricsRegistry } from '../src/metrics-registry';
import { registerQueueMetrics } from '../src/queue-metrics';
import { createWorkerMetrics } from '../src/worker-metrics';

const ROOT = path.resolve(__dirname, '../../..');
const ALERTS = path.join(ROOT, 'infra/prometheus/alerts.yml');
const DASHBOARD = path.join(ROOT, 'infra/grafana/dashboards/vidgen.json');

/** Every series name the API and the worker can expose, histogram suffixes included. */
async function exposedNames(): Promise<Set<string>> {
  const registry = createMetricsRegistry({ service: 'test', processMetrics: false });
  createApiMetrics(registry);
  createWorkerMetrics(registry);
  registerQueueMetrics(registry, { read: () => Promise.reject(new Error('not needed')), maxWaitMs: 0 });
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const s of ['_bucket', '_count', '_sum']) names.add(metric.name + s);
  }
  return names;
}

const referenced = (text: string) => new Set(text.match(/\bvidgen_[a-z0-9_]+/g) ?? []);

describe('alerting and dashboard material in infra/', () => {
  it('promtool accepts the alert rules', async () => {
    const { stdout } = await promisify(execFile)('promtool', ['check', 'rules', ALERTS]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('alerts and the Grafana dashboard only use metrics that exist', async () => {
    const names = await exposedNames();
    const alerts = await readFile(ALERTS, 'utf8');
    const dashboard = await readFile(DASHBOARD, 'utf8');
    JSON.parse(dashboard);
    const unknown = [...referenced(alerts), ...referenced(dashboard)].filter((n) => !names.has(n));
    expect(unknown).toEqual([]);
    // Every worker and queue metric appears on the dashboard.
    const shown = referenced(dashboard);
    const missing = [...names].filter((n) => /^vidgen_(worker|queue|http|jobs)_/.test(n) && !/_(bucket|count|sum)$/.test(n) && !shown.has(n) && ![...shown].some((s) => s.startsWith(n + '_')));
    expect(missing).toEqual([]);
  });
});
