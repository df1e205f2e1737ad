import type { ErrorRequestHandler, RequestHandler, Router } from 'express';
import { VidgenError, toErrorBody, type Logger } from '@vidgen/core';
import { loggedPath } from '@vidgen/observability';
import { ROUTE_TEMPLATE } from './http-metrics';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Registers handlers for one path and answers any other method with 405 and
 * an Allow header, so a wrong method is never confused with an unknown path.
 */
export function route(router: Router, path: string, handlers: Partial<Record<Method, RequestHandler | RequestHandler[]>>): void {
  const r = router.route(path);
  // The matched template, for metrics labels (mount path + route path, e.g. /api/v1/videos/jobs/:job_id).
  r.all((req, res, next) => {
    // Lower-cased: routing ignores case, so the client's casing must not mint new label values.
    res.locals[ROUTE_TEMPLATE] = (req.baseUrl + path).toLowerCase();
    next();
  });
  const allowed: string[] = [];
  for (const [method, handler] of Object.entries(handlers) as [Method, RequestHandler | RequestHandler[]][]) {
    r[method](...(Array.isArray(handler) ? handler : [handler]));
    allowed.push(method.toUpperCase());
    if (method === 'get') allowed.push('HEAD');
  }
  r.all((_req, res, next) => {
    res.setHeader('Allow', allowed.join(', '));
    next(new VidgenError('METHOD_NOT_ALLOWED', { details: { allow: allowed } }));
  });
}

export const notFound: RequestHandler = (_req, _res, next) => next(new VidgenError('ROUTE_NOT_FOUND'));

/** Maps body-parser's failures into the taxonomy. */
function fromExpress(err: unknown): VidgenError | null {
  const e = err as { type?: string; status?: number };
  switch (e?.type) {
    case 'entity.parse.failed':
      return new VidgenError('MALFORMED_JSON', { cause: err });
    case 'entity.too.large':
      return new VidgenError('PAYLOAD_TOO_LARGE', { cause: err });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new VidgenError('UNSUPPORTED_MEDIA_TYPE', { message: 'The body must be UTF-8 JSON.', cause: err });
    default:
      // Any other client error Express or body-parser raises (an aborted body, a malformed path escape):
      // still the one shape, as a validation failure, never a 500.
      if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new VidgenError('VALIDATION_FAILED', { message: 'The request could not be read.', cause: err });
      return null;
  }
}

/** Every error answer is JSON in one shape; 5xx answers never carry internals, the log line does. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const e = err instanceof VidgenError ? err : (fromExpress(err) ?? new VidgenError('INTERNAL_ERROR', { cause: err }));
    const meta = { code: e.code, category: e.category, status: e.status, method: req.method, path: loggedPath(req.originalUrl), correlation_id: req.correlationId ?? null };
    if (e.status >= 500) logger.error('request failed', { ...meta, err: (e.cause as Error) ?? e });
    else logger.info('request rejected', meta);
    if (res.headersSent) {
      res.end();
      return;
    }
    // A 5xx answer carries the code's own message and no details: what went wrong inside is in the log line only.
    const shown = e.status >= 500 ? new VidgenError(e.code, { retryable: e.retryable }) : e;
    res.status(e.status).json({ error: toErrorBody(shown, req.correlationId ?? null) });
  };
}
