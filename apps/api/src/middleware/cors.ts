import type { RequestHandler } from 'express';

/** Request headers a browser client may send: keys, resumption, conditional edits, idempotent submits, its own correlation id. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Last-Event-ID', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'Range', 'X-Correlation-ID'];
/** Response headers a page may read besides the CORS-safelisted ones. */
export const CORS_EXPOSED_HEADERS = ['ETag', 'Location', 'X-Correlation-ID', 'Retry-After'];
const METHODS = 'GET, HEAD, POST, PATCH, DELETE, OPTIONS';
const MAX_AGE_SECONDS = 600;

/** The Access-Control-Allow-Origin value for a request's Origin, or null when it is not allowed ("*" allows any). */
export function allowedOrigin(origins: readonly string[], origin: string | undefined): string | null {
  if (origins.includes('*')) return '*';
  if (origin && origins.includes(origin)) return origin;
  return null;
}

/**
 * CORS for the routes a web page on another origin uses (CORS_ORIGINS). No
 * Access-Control-Allow-Credentials, ever: these routes authenticate with a
 * bearer key or a URL token, never a cookie, so a page learns nothing it
 * could not fetch with the key or token it already holds, and "*" is safe.
 * Preflights are answered here, before authentication (browsers send them
 * without the Authorization header). Errors carry the headers too, so a page
 * can read a 401 or 429 body.
 */
export function cors(origins: readonly string[]): RequestHandler {
  return (req, res, next) => {
    const allow = allowedOrigin(origins, req.get('origin'));
    if (allow) {
      res.setHeader('Access-Control-Allow-Origin', allow);
      res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS.join(', '));
    }
    // A cache in front must not hand one origin's answer to another.
    if (allow !== '*') res.vary('Origin');
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      if (allow) {
        res.setHeader('Access-Control-Allow-Methods', METHODS);
        res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS.join(', '));
        res.setHeader('Access-Control-Max-Age', String(MAX_AGE_SECONDS));
      }
      return void res.status(204).end();
    }
    next();
  };
}
