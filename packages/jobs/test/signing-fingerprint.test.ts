import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { signingSecretFingerprint } from '@vidgen/jobs';
import { compareSigningFingerprint, deleteKeysWithPrefix, recordSigningFingerprint } from '@vidgen/queue';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-facts-${randomBytes(4).toString('hex')}`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('the SIGNING_SECRET fingerprint a worker compares with the API', () => {
  const apiSecret = 'a'.repeat(40);

  it('is unknown before an API recorded one, then the same for the same secret and different for another', async () => {
    const fingerprint = signingSecretFingerprint(apiSecret);
    expect(await compareSigningFingerprint(redis, prefix, fingerprint)).toBe('unknown');
    await recordSigningFingerprint(redis, prefix, fingerprint);
    expect(await compareSigningFingerprint(redis, prefix, signingSecretFingerprint(apiSecret))).toBe('same');
    expect(await compareSigningFingerprint(redis, prefix, signingSecretFingerprint('b'.repeat(40)))).toBe('different');
  });

  it('reveals nothing of the secret: short, and not the secret or a prefix of it', () => {
    const fingerprint = signingSecretFingerprint(apiSecret);
    expect(fingerprint).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(apiSecret.includes(fingerprint)).toBe(false);
  });
});
