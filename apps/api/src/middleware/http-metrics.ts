import type { RequestHandler } from 'express';
import type { ApiMetrics } from '@vidgen/observability';

/** Set by the router that matched, so metrics use the template and never a raw path (one series per job id otherwise). */
export const ROUTE_TEMPLATE = 'routeTemplate';

/** Observes every finished request by method, route template and status; unmatched paths share one label. */
export function httpMetrics(metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const template = res.locals[ROUTE_TEMPLATE];
      metrics.observeRequest({ method: req.method, route: typeof template === 'string' ? template : 'unmatched', status: res.statusCode }, seconds);
    });
    next();
  };
}
