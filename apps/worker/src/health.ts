import http from 'node:http';
import type { ReadinessReport } from '@vidgen/observability';

export interface HealthServerOptions {
  /** Renders the Prometheus exposition for GET /metrics; without it /metrics is 404. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
}

/**
 * The worker's small HTTP server: /health (liveness), /health/ready (503
 * naming the failing checks) and /metrics. It listens on WORKER_HTTP_PORT,
 * which is internal: nothing here is meant for clients.
 */
export function createHealthServer(ready: () => Promise<ReadinessReport>, options: HealthServerOptions = {}): http.Server {
  const { metrics } = options;
  return http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return send(405, { error: 'method not allowed' });
    }
    if (url === '/health') return send(200, { status: 'ok' });
    if (url === '/health/ready') {
      ready().then(
        (report) => send(report.status === 'unavailable' ? 503 : 200, report),
        (err: Error) => send(503, { status: 'unavailable', error: err.message }),
      );
      return;
    }
    if (url === '/metrics' && metrics) {
      metrics().then(
        ({ contentType, body }) => {
          res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(body);
        },
        (err: Error) => send(500, { error: err.message }),
      );
      return;
    }
    send(404, { error: 'not found' });
  });
}
