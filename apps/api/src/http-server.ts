import { createServer, type RequestListener, type Server } from 'node:http';

export interface HttpServerOptions {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** 0: no cap. */
  maxConnections: number;
}

/**
 * The API's HTTP server with explicit limits instead of Node's defaults (headers 60 s,
 * request 300 s, no connection cap). requestTimeout bounds receiving a request, so an
 * event stream, whose GET is fully received at once, is not cut by it. Node enforces
 * both timeouts on a sweep (connectionsCheckingInterval, 30 s by default), so the sweep
 * runs often enough for the limits to mean what they say.
 */
export function createHttpServer(app: RequestListener, options: HttpServerOptions): Server {
  const { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections } = options;
  const server = createServer({ headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, headersTimeoutMs / 2) }, app);
  server.keepAliveTimeout = keepAliveTimeoutMs;
  if (maxConnections > 0) server.maxConnections = maxConnections;
  return server;
}
