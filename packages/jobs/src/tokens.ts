import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short-lived tokens in the links a job shows (its event stream, its HLS playlists and
 * storyboard), for clients that cannot send an Authorization header (browser EventSource,
 * players). The API verifies them; the API (GET) and the worker (webhook bodies) mint
 * them, both with SIGNING_SECRET, so a link in a webhook body opens like one from GET.
 *
 * Format: `v1.<expires_at>.<owner>.<signature>`
 *   expires_at  Unix seconds
 *   owner       base64url(owner) (owners may contain dots)
 *   signature   base64url(HMAC-SHA256(secret, "vidgen-events:v1\n<job_id>\n<owner>\n<expires_at>"))
 *
 * The job id is signed but not carried: a token opens exactly the stream it was minted for.
 */
const VERSION = 'v1';
const SIGNATURE_BYTES = 32;

export interface EventTokenClaims {
  jobId: string;
  owner: string;
  /** Unix seconds. */
  expiresAt: number;
}

export type TokenCheck = { ok: true; owner: string } | { ok: false; reason: 'malformed' | 'expired' | 'signature' };

/**
 * What a token opens: "events" (the job's event stream) or "hls" (its HLS
 * playlists). The scope is signed, so a token of one scope opens nothing else.
 */
export type TokenScope = 'events' | 'hls';

function sign(secret: string, claims: EventTokenClaims, scope: TokenScope): Buffer {
  return createHmac('sha256', secret).update(`vidgen-${scope}:${VERSION}\n${claims.jobId}\n${claims.owner}\n${claims.expiresAt}`, 'utf8').digest();
}

/** Mints a token for exactly these claims (exported so tests can make expired or foreign tokens). */
export function signEventToken(secret: string, claims: EventTokenClaims, scope: TokenScope = 'events'): string {
  const owner = Buffer.from(claims.owner, 'utf8').toString('base64url');
  return `${VERSION}.${claims.expiresAt}.${owner}.${sign(secret, claims, scope).toString('base64url')}`;
}

/** Checks a token for one job; the signature is compared in constant time. */
export function verifyEventToken(secret: string, token: string, jobId: string, nowSeconds: number, scope: TokenScope = 'events'): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== VERSION || !/^\d{1,12}$/.test(parts[1]!)) return { ok: false, reason: 'malformed' };
  const expiresAt = Number(parts[1]);
  const owner = Buffer.from(parts[2]!, 'base64url').toString('utf8');
  const given = Buffer.from(parts[3]!, 'base64url');
  if (!owner || given.length !== SIGNATURE_BYTES) return { ok: false, reason: 'malformed' };
  // Verify before looking at the expiry, so an altered expiry reads as tampering, not as "expired".
  if (!timingSafeEqual(given, sign(secret, { jobId, owner, expiresAt }, scope))) return { ok: false, reason: 'signature' };
  if (expiresAt <= nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, owner };
}

export interface EventTokens {
  mint(jobId: string, owner: string): string;
  verify(token: string, jobId: string): TokenCheck;
}

/** Most tokens remembered within one second; past it tokens are still minted, just not remembered. */
const MINTED_PER_SECOND_MAX = 10_000;

export function createEventTokens(options: { secret: string; ttlSeconds: number; clock?: () => number; scope?: TokenScope }): EventTokens {
  const { secret, ttlSeconds, clock = Date.now, scope = 'events' } = options;
  const nowSeconds = () => Math.floor(clock() / 1000);
  // A token is a function of (job, owner, expiry) and the expiry has one-second resolution, so within one
  // second every mint for a job is the same string: each GET mints up to three (events, HLS, storyboard),
  // and a polled job is read many times a second. Only the current second's tokens are kept.
  let mintedSecond = -1;
  const minted = new Map<string, string>();
  return {
    mint: (jobId, owner) => {
      const now = nowSeconds();
      if (now !== mintedSecond) {
        minted.clear();
        mintedSecond = now;
      }
      const key = `${jobId}\n${owner}`;
      const known = minted.get(key);
      if (known !== undefined) return known;
      const token = signEventToken(secret, { jobId, owner, expiresAt: now + ttlSeconds }, scope);
      if (minted.size < MINTED_PER_SECOND_MAX) minted.set(key, token);
      return token;
    },
    verify: (token, jobId) => verifyEventToken(secret, token, jobId, nowSeconds(), scope),
  };
}

/**
 * A fingerprint of SIGNING_SECRET that reveals nothing of it: the API records it in Redis at start and
 * each worker compares its own, so a worker signing webhook links with another secret (links the API
 * would refuse with 401) is logged at start instead of discovered by a client.
 */
export function signingSecretFingerprint(secret: string): string {
  return createHmac('sha256', secret).update('vidgen-signing-secret-fingerprint:v1').digest('base64url').slice(0, 16);
}
