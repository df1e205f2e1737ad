import type { Redis } from './redis';

/** Where the API records its SIGNING_SECRET fingerprint (signingSecretFingerprint in @vidgen/jobs). */
const signingFingerprintKey = (prefix: string) => `${prefix}:signing-secret-fingerprint`;

/** The API's side: records the fingerprint of the secret it verifies tokens with. */
export async function recordSigningFingerprint(redis: Redis, prefix: string, fingerprint: string): Promise<void> {
  await redis.set(signingFingerprintKey(prefix), fingerprint);
}

/** A worker's side: 'same', 'different', or 'unknown' (no API has recorded one yet). */
export async function compareSigningFingerprint(redis: Redis, prefix: string, fingerprint: string): Promise<'same' | 'different' | 'unknown'> {
  const recorded = await redis.get(signingFingerprintKey(prefix));
  return recorded === null ? 'unknown' : recorded === fingerprint ? 'same' : 'different';
}
