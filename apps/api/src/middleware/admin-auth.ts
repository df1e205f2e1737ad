import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { VidgenError } from '@vidgen/core';
import { digest } from './auth';

/** The credential of an Authorization header: a Bearer token, or the password of Basic auth (any user name). */
function presentedKey(header: string): string | null {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : null;
}

/**
 * Guards operator endpoints with ADMIN_API_KEY. Bearer for scripts and
 * Prometheus, Basic so a browser can open the queue board (the 401 carries a
 * Basic challenge). Keys are compared as SHA-256 digests with timingSafeEqual:
 * equal lengths, constant time, nothing learned from timing.
 */
export function requireAdminKey(adminKey: string): RequestHandler {
  const expected = digest(adminKey);
  return (req, res, next) => {
    const key = presentedKey(req.get('authorization') ?? '');
    if (key !== null && timingSafeEqual(digest(key), expected)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="vidgen admin", charset="UTF-8"');
    next(new VidgenError('UNAUTHENTICATED', { message: key === null ? 'The admin key is missing.' : 'The admin key is not valid.' }));
  };
}
