import { Router } from 'express';
import { requireAdminKey } from '../middleware/admin-auth';
import { route } from '../middleware/errors';

export interface MetricsRouteDeps {
  renderMetrics: () => Promise<{ contentType: string; body: string }>;
  /** When set, /metrics needs it too; otherwise keep /metrics off the public ingress. */
  adminApiKey?: string;
}

/** GET /metrics: the Prometheus exposition of this API process. */
export function createMetricsRouter(deps: MetricsRouteDeps): Router {
  const router = Router();
  const guard = deps.adminApiKey ? [requireAdminKey(deps.adminApiKey)] : [];
  route(router, '/metrics', {
    get: [
      ...guard,
      async (_req, res) => {
        const { contentType, body } = await deps.renderMetrics();
        res.setHeader('Cache-Control', 'no-store');
        res.type(contentType).send(body);
      },
    ],
  });
  return router;
}
