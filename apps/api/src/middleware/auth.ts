import crypto, { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { VidgenError } from '@vidgen/core';
import type { ApiKey } from '@vidgen/config';
import { setContext } from '@vidgen/observability';
import type { EventTokens } from '@vidgen/jobs';

export const ANONYMOUS_OWNER = 'anonymous';

// crypto.hash (Node >= 20.12) is the one-shot form: half the cost of a Hash object per request.
export const digest: (s: string) => Buffer =
  typeof crypto.hash === 'function' ? (s) => crypto.hash('sha256', s, 'buffer') : (s) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Bearer-key authentication. Keys are compared as SHA-256 digests with
 * timingSafeEqual, against every configured key without stopping early, so
 * timing reveals neither a key nor which one matched. No keys configured:
 * open development mode as owner "anonymous".
 */
export function authenticate(keys: readonly ApiKey[]): RequestHandler {
  const table = keys.map((k) => ({ owner: k.owner, digest: digest(k.key) }));
  return (req, _res, next) => {
    if (table.length === 0) {
      req.owner = ANONYMOUS_OWNER;
      setContext({ owner: ANONYMOUS_OWNER });
      return next();
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return next(new VidgenError('UNAUTHENTICATED'));
    const candidate = digest(match[1]!);
    let owner: string | undefined;
    for (const entry of table) {
      if (timingSafeEqual(candidate, entry.digest) && owner === undefined) owner = entry.owner;
    }
    if (!owner) return next(new VidgenError('UNAUTHENTICATED', { message: 'The API key is not valid.' }));
    req.owner = owner;
    setContext({ owner });
    next();
  };
}

/**
 * Authentication for a job's event stream: the Authorization header as
 * everywhere, or, when no header is sent (EventSource cannot send one), the
 * signed `token` query parameter minted for this job. Only this route accepts
 * tokens, so a leaked token opens one job's progress stream until it expires.
 * The HLS and storyboard routes use it with their own token scope and error
 * code (HLS_TOKEN_INVALID), so an expired player link says what to refresh.
 */
export function authenticateEventStream(keys: readonly ApiKey[], tokens: EventTokens, invalidCode: 'TOKEN_INVALID' | 'HLS_TOKEN_INVALID' = 'TOKEN_INVALID'): RequestHandler {
  const byKey = authenticate(keys);
  const owners = new Set(keys.map((k) => k.owner));
  return (req, res, next) => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (req.get('authorization') !== undefined || token === undefined) return byKey(req, res, next);
    const check = tokens.verify(token, String(req.params.job_id ?? ''));
    if (!check.ok) return next(new VidgenError(invalidCode, { details: { reason: check.reason } }));
    // A token outlives neither its owner's keys nor a switch out of open mode.
    const known = owners.size === 0 ? check.owner === ANONYMOUS_OWNER : owners.has(check.owner);
    if (!known) return next(new VidgenError(invalidCode, { details: { reason: 'owner' } }));
    req.owner = check.owner;
    setContext({ owner: check.owner });
    next();
  };
}
