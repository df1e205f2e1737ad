import express from 'express';
import type { Logger } from '@vidgen/core';
import type { ApiKey } from '@vidgen/config';
import type { ReadinessReport } from '@vidgen/observability';
import { authenticate } from './middleware/auth';
import { correlation } from './middleware/correlation';
import { cors } from './middleware/cors';
import { refusePrototypeKeys } from './middleware/json-keys';
import { securityHeaders } from './middleware/security-headers';
import { errorHandler, notFound, route } from './middleware/errors';
import { createEventsRouter, type EventsRouteDeps } from './routes/events';
import { createHlsRouter, type HlsRouteDeps } from './routes/hls';
import { createMetadataRouter, type MetadataRouteDeps } from './routes/metadata';
import { createVideosRouter, type VideosRouteDeps } from './routes/videos';
import { httpMetrics } from './middleware/http-metrics';
import { createMetricsRouter } from './routes/metrics';
import { createQueueBoardRouter, type BoardQueue } from './routes/queue-board';
import { createCapabilitiesRouter } from './routes/scenes';
import { createUsageRouter, type UsageRouteDeps } from './routes/usage';
import { createDocsRouter } from './docs';
import { buildOpenApiDocument } from './openapi';
import { createStudioHandler, type StudioOptions } from './studio';

export interface ServerDeps extends VideosRouteDeps, EventsRouteDeps, MetadataRouteDeps, UsageRouteDeps {
  apiKeys: readonly ApiKey[];
  bodyLimitBytes: number;
  readiness: () => Promise<ReadinessReport>;
  logger: Logger;
  /** The HLS playlist routes (token or header auth, CORS); unset: not mounted. */
  hls?: HlsRouteDeps;
  /** The Prometheus exposition served at /metrics; unset: no /metrics route. */
  renderMetrics?: () => Promise<{ contentType: string; body: string }>;
  /** ADMIN_API_KEY: guards /metrics and mounts the queue board at /admin/queues; unset: no board. */
  adminApiKey?: string;
  /** The queues shown on the board (video-generation, webhooks, maintenance). */
  boardQueues?: readonly BoardQueue[];
  /** CORS_ORIGINS: origins whose pages may call /api/v1/videos; ['*'] allows any. */
  corsOrigins: readonly string[];
  /** The studio web page at / (its build and the media origins its CSP allows); unset: no page. */
  studio?: StudioOptions;
}

/**
 * Hands a request to the first router whose paths (matched like the routers' own case-insensitive
 * paths) include the request's, or passes it on. Entering a router costs every request that passes
 * through it, and most requests pass by the health, metrics, docs, HLS and event-stream routers; each
 * router layer costs a path match too, so several disjoint routers share one layer.
 */
function byPath(routers: ReadonlyArray<readonly [paths: RegExp, router: express.RequestHandler]>): express.RequestHandler {
  return (req, res, next) => {
    const path = req.path;
    for (const [paths, router] of routers) if (paths.test(path)) return router(req, res, next);
    next();
  };
}

/** The JSON body parser and the prototype-key check as one middleware: one router layer less on every request. */
function jsonBody(parser: express.RequestHandler): express.RequestHandler {
  return (req, res, next) => parser(req, res, (err?: unknown) => (err ? next(err) : refusePrototypeKeys(req, res, next)));
}

/** The paths of the routers gated with byPath; relative to their mount point (disjoint, so their order does not matter). */
const HEALTH_PATHS = /^\/health(?:\/|$)/i;
const METRICS_PATHS = /^\/metrics(?:\/|$)/i;
const HLS_PATHS = /^\/jobs\/[^/]+\/(?:hls|storyboard\.vtt)(?:\/|$)/i;
const EVENTS_PATHS = /^\/jobs\/[^/]+\/events(?:\/|$)/i;
const OPENAPI_PATHS = /^\/api\/v1\/openapi\.json\/?$/i;
const DOCS_PATHS = /^\/docs(?:\/|$)/i;

/** Builds the Express app from its dependencies; listening is the caller's business (main.ts, tests). */
export function createServer(deps: ServerDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(securityHeaders());
  app.use(correlation(deps.logger));
  if (deps.metrics) app.use(httpMetrics(deps.metrics));

  const health = express.Router();
  route(health, '/health', { get: (_req, res) => void res.json({ status: 'ok' }) });
  route(health, '/health/ready', {
    get: async (_req, res) => {
      const report = await deps.readiness();
      res.setHeader('Cache-Control', 'no-store');
      res.status(report.status === 'unavailable' ? 503 : 200).json(report);
    },
  });
  // The contract, for anyone (no key needed): built once, the same for every request until a deploy.
  const openApi = JSON.stringify(buildOpenApiDocument());
  const openApiRouter = express.Router();
  route(openApiRouter, '/api/v1/openapi.json', {
    get: (_req, res) => {
      res.setHeader('Cache-Control', 'public, max-age=300');
      res.type('application/json').send(openApi);
    },
  });
  app.use(
    byPath([
      [HEALTH_PATHS, health],
      ...(deps.renderMetrics ? [[METRICS_PATHS, createMetricsRouter({ renderMetrics: deps.renderMetrics, adminApiKey: deps.adminApiKey })] as const] : []),
      [OPENAPI_PATHS, openApiRouter],
      [DOCS_PATHS, createDocsRouter()],
    ]),
  );
  if (deps.adminApiKey) app.use(createQueueBoardRouter(deps.boardQueues ?? [], deps.adminApiKey));
  // The studio: its routes and assets only, under its own CSP; everything else falls through to the API.
  if (deps.studio) app.use(createStudioHandler(deps.studio));

  // The job API, one router at one mount point: every layer mounted at a path matches and trims it again.
  const videos = express.Router();
  // Browser clients on other origins: before authentication, which preflights never pass.
  videos.use(cors(deps.corsOrigins));
  // HLS playlists and the event stream take a header or a signed token (players and EventSource send no
  // headers) and have no body; every other path falls through to the header-only chain below.
  videos.use(byPath([...(deps.hls ? [[HLS_PATHS, createHlsRouter(deps.hls)] as const] : []), [EVENTS_PATHS, createEventsRouter(deps)]]));
  videos.use(authenticate(deps.apiKeys), jsonBody(express.json({ limit: deps.bodyLimitBytes, strict: true })), createVideosRouter(deps), createMetadataRouter(deps));
  app.use('/api/v1/videos', videos);
  app.use('/api/v1/capabilities', cors(deps.corsOrigins));
  app.use('/api/v1', createCapabilitiesRouter(deps));
  app.use('/api/v1/usage', cors(deps.corsOrigins), authenticate(deps.apiKeys), createUsageRouter(deps));

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
