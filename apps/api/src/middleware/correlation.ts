import type { RequestHandler } from 'express';
import type { Logger } from '@vidgen/core';
import { acceptCorrelationId, loggedPath, runWithContext } from '@vidgen/observability';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      correlationId: string;
      owner?: string;
    }
  }
}

/**
 * Takes X-Correlation-ID from the request (or makes one), returns it on every
 * response, and runs the rest of the request inside a log context carrying it.
 * Logs one line per finished request.
 */
export function correlation(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const id = acceptCorrelationId(req.get('x-correlation-id'));
    req.correlationId = id;
    res.setHeader('X-Correlation-ID', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      runWithContext({ correlation_id: id, owner: req.owner }, () =>
        logger.info('http request', {
          method: req.method,
          path: loggedPath(req.originalUrl),
          status: res.statusCode,
          duration_ms: Math.round(durationMs * 10) / 10,
        }),
      );
    });
    runWithContext({ correlation_id: id }, () => next());
  };
}
