import { Counter, Histogram, type Registry } from 'prom-client';

/** Request latencies from 5 ms (reads) to 10 s (a slow enqueue while Redis struggles). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ApiMetrics {
  /** One finished request: `route` is the template (/api/v1/videos/jobs/:job_id), never the raw path. */
  observeRequest(labels: { method: string; route: string; status: number }, seconds: number): void;
  jobSubmitted(quality: string): void;
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  const duration = new Histogram({
    name: 'vidgen_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code.',
    labelNames: ['method', 'route', 'status'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  const submitted = new Counter({
    name: 'vidgen_jobs_submitted_total',
    help: 'Jobs accepted by the API (202), by quality.',
    labelNames: ['quality'],
    registers: [registry],
  });
  return {
    observeRequest: ({ method, route, status }, seconds) => duration.observe({ method, route, status: String(status) }, seconds),
    jobSubmitted: (quality) => submitted.inc({ quality }),
  };
}
