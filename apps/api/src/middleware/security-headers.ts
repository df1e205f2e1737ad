import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/** Paths fetched cross-origin by players and EventSource: HLS playlists and event streams (their CORS lives in their routers). */
const CROSS_ORIGIN_PATH = /^\/api\/v1\/videos\/jobs\/[^/]+\/(?:hls|events)(?:\/|$)/;

type HeaderOp = readonly [name: string, value: string | number | readonly string[] | null];
type Helmet = ReturnType<typeof helmet>;

function helmets(): { common: Helmet; apiCsp: Helmet } {
  return {
    common: helmet({ contentSecurityPolicy: false, strictTransportSecurity: false, frameguard: { action: 'deny' }, crossOriginResourcePolicy: { policy: 'same-origin' } }),
    apiCsp: helmet.contentSecurityPolicy({ useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } }),
  };
}

/**
 * What a helmet middleware does to a response, recorded once: the headers it sets and removes, in
 * order. Null when it did anything else (called next with an error, wrote, read the request), so
 * the caller keeps running it per request. Our helmet options are static (no nonces, no functions
 * in the directives), so every request gets the same headers; replaying them skips helmet's chain
 * of a dozen nested middlewares and its CSP serialization on every answer (pnpm load --profile get).
 */
function recordHeaders(middleware: Helmet): HeaderOp[] | null {
  const ops: HeaderOp[] = [];
  let clean = true;
  let done = false;
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) => void ops.push([name, value]),
    removeHeader: (name: string) => void ops.push([name, null]),
  };
  const req = new Proxy({}, { get: () => ((clean = false), undefined) });
  try {
    middleware(req as IncomingMessage, res as unknown as ServerResponse, (err) => {
      if (err) clean = false;
      done = true;
    });
  } catch {
    return null;
  }
  return clean && done ? ops : null;
}

function replay(ops: readonly HeaderOp[], res: ServerResponse): void {
  for (const [name, value] of ops) {
    if (value === null) res.removeHeader(name);
    else res.setHeader(name, value);
  }
}

/**
 * Security headers on every answer (helmet): nosniff, no X-Powered-By, no framing.
 * The API answers JSON, so its routes get `default-src 'none'; frame-ancestors 'none'`;
 * bull-board (/admin/) is an HTML page with its own scripts and styles, so it keeps
 * helmet's other headers but no CSP of ours. HSTS is left to the TLS-terminating
 * ingress, which knows whether the host is served over HTTPS only.
 * helmet decides the headers; they are recorded once at startup and set per request
 * (recordHeaders), unless helmet turns out to need the request.
 */
export function securityHeaders(): RequestHandler {
  const { common, apiCsp } = helmets();
  const commonOps = recordHeaders(common);
  const cspOps = recordHeaders(apiCsp);
  if (!commonOps || !cspOps) return securityHeadersPerRequest();
  return (req, res, next) => {
    replay(commonOps, res);
    // Safari's native HLS player and <video> load no-cors: a same-origin CORP would block them.
    if (CROSS_ORIGIN_PATH.test(req.path)) res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    if (!req.path.startsWith('/admin/')) replay(cspOps, res);
    next();
  };
}

/** The same headers with helmet run per request: the fallback should a helmet version need the request (and the reference in tests). */
export function securityHeadersPerRequest(): RequestHandler {
  const { common, apiCsp } = helmets();
  return (req, res, next) => {
    common(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (CROSS_ORIGIN_PATH.test(req.path)) res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      if (req.path.startsWith('/admin/')) return next();
      apiCsp(req, res, next);
    });
  };
}
