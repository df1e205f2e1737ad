import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedS3, type EmbeddedS3 } from '@vidgen/embedded';
import { deleteKeysAt } from '@vidgen/queue';
import { createS3Client, ensureBucket } from '@vidgen/storage';

export const SHARED_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniqueName(base: string): string {
  return `${base}-${randomBytes(4).toString('hex')}`;
}

// Tests clean up their prefix with the one prefix deletion the tools use too.
export { deleteKeysAt } from '@vidgen/queue';

export interface TestEnv {
  prefix: string;
  bucket: string;
  s3: EmbeddedS3;
  scratchDir: string;
  /** Environment variables for an API or worker of this test: own prefix, bucket and S3 server. */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/**
 * One test file's world: a unique Redis key prefix on the shared Redis, its
 * own embedded S3 server on a free port with a unique bucket, a scratch dir.
 */
export async function createTestEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const prefix = uniqueName('vgtest');
  const bucket = uniqueName('vgtest');
  const scratchDir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-test-'));
  // The bucket is made at start, with the README's CORS rule, so browser tests can fetch from it.
  const s3 = await startEmbeddedS3({ port: 0, directory: path.join(scratchDir, 's3'), buckets: [bucket] });
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    REDIS_URL: SHARED_REDIS_URL,
    QUEUE_PREFIX: prefix,
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    S3_BUCKET: bucket,
    SCRATCH_DIR: path.join(scratchDir, 'work'),
    JOB_BACKOFF_MS: '200',
    ...overrides,
  };
  const client = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 2 });
  await ensureBucket(client, bucket);
  client.destroy();
  return {
    prefix,
    bucket,
    s3,
    scratchDir,
    env,
    async cleanup() {
      await deleteKeysAt(env.REDIS_URL!, prefix);
      await s3.close();
      await rm(scratchDir, { recursive: true, force: true });
    },
  };
}
