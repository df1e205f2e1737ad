import helmet from 'helmet';
import type { RequestHandler } from 'express';

/** Paths fetched cross-origin by players and EventSource: HLS playlists and event streams (their CORS lives in their routers). */
const CROSS_ORIGIN_PATH = /^\/api\/v1\/videos\/jobs\/[^/]+\/(?:hls|events)(?:\/|$)/;

/**
 * Security headers on every answer (helmet): nosniff, no X-Powered-By, no framing.
 * The API answers JSON, so its routes get `default-src 'none'; frame-ancestors 'none'`;
 * bull-board (/admin/) is an HTML page with its own scripts and styles, so it keeps
 * helmet's other headers but no CSP of ours. HSTS is left to the TLS-terminating
 * ingress, which knows whether the host is served over HTTPS only.
 */
export function securityHeaders(): RequestHandler {
  const common = helmet({ contentSecurityPolicy: false, strictTransportSecurity: false, frameguard: { action: 'deny' }, crossOriginResourcePolicy: { policy: 'same-origin' } });
  const apiCsp = helmet.contentSecurityPolicy({ useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } });
  return (req, res, next) => {
    common(req, res, (err?: unknown) => {
      if (err) return next(err);
      // Safari's native HLS player and <video> load no-cors: a same-origin CORP would block them.
      if (CROSS_ORIGIN_PATH.test(req.path)) res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
      if (req.path.startsWith('/admin/')) return next();
      apiCsp(req, res, next);
    });
  };
}
