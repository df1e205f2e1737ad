import express from 'express';
import type { Logger } from '@vidgen/core';
import type { ApiKey } from '@vidgen/config';
import type { ReadinessReport } from '@vidgen/observability';
import { authenticate } from './middleware/auth';
import { correlation } from './middleware/correlation';
import { errorHandler, notFound, route } from './middleware/errors';
import { createEventsRouter, type EventsRouteDeps } from './routes/events';
import { createVideosRouter, type VideosRouteDeps } from './routes/videos';

export interface ServerDeps extends VideosRouteDeps, EventsRouteDeps {
  apiKeys: readonly ApiKey[];
  bodyLimitBytes: number;
  readiness: () => Promise<ReadinessReport>;
  logger: Logger;
}

/** Builds the Express app from its dependencies; listening is the caller's business (main.ts, tests). */
export function createServer(deps: ServerDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(correlation(deps.logger));

  const health = express.Router();
  route(health, '/health', { get: (_req, res) => void res.json({ status: 'ok' }) });
  route(health, '/health/ready', {
    get: async (_req, res) => {
      const report = await deps.readiness();
      res.setHeader('Cache-Control', 'no-store');
      res.status(report.status === 'unavailable' ? 503 : 200).json(report);
    },
  });
  app.use(health);

  // The event stream has its own authentication (header or signed token) and no body;
  // every other path falls through to the header-only chain below.
  app.use('/api/v1/videos', createEventsRouter(deps));
  app.use(
    '/api/v1/videos',
    authenticate(deps.apiKeys),
    express.json({ limit: deps.bodyLimitBytes, strict: true }),
    createVideosRouter(deps),
  );

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
