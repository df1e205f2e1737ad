import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a delivery's signature comes in. */
export const SIGNATURE_HEADER = 'X-Vidgen-Signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the X-Vidgen-Signature header. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const t = Math.floor(unixSeconds);
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

function hmac(secret: string, t: number, body: string): string {
  return createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
}

export interface VerifyOptions {
  secret: string;
  body: string;
  header: string | undefined;
  nowSeconds: number;
  /** Largest accepted age (and clock skew) of the signature's timestamp. */
  toleranceSeconds?: number;
}

/** The outcome of a check: valid, or why not. */
export type SignatureCheck = 'valid' | 'missing' | 'malformed' | 'expired' | 'mismatch';

/**
 * What a receiver does: parse the header, reject old (or future) timestamps (replays), recompute,
 * compare in constant time. Says why a signature is refused; verifySignature is its yes/no.
 */
export function checkSignature(options: VerifyOptions): SignatureCheck {
  const { secret, body, header, nowSeconds, toleranceSeconds = 300 } = options;
  if (!header) return 'missing';
  const parts = new Map<string, string[]>();
  for (const item of header.split(',')) {
    const i = item.indexOf('=');
    if (i <= 0) continue;
    const k = item.slice(0, i).trim();
    parts.set(k, [...(parts.get(k) ?? []), item.slice(i + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t) || !parts.has('v1')) return 'malformed';
  if (Math.abs(nowSeconds - t) > toleranceSeconds) return 'expired';
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  const match = (parts.get('v1') ?? []).some((v) => {
    const given = Buffer.from(v, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? 'valid' : 'mismatch';
}

/** True when checkSignature finds the signature valid. */
export function verifySignature(options: VerifyOptions): boolean {
  return checkSignature(options) === 'valid';
}
