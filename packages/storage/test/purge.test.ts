import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { runPool } from '@vidgen/core';
import { createS3Client, listAllObjects, purgeObjects } from '@vidgen/storage';
import { createTestEnv, type TestEnv } from '@vidgen/testing';

let env: TestEnv;
let client: S3Client;

beforeAll(async () => {
  env = await createTestEnv();
  client = createS3Client({ endpoint: env.s3.endpoint, region: 'us-east-1', credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 2 });
});

afterAll(async () => {
  client?.destroy();
  await env?.cleanup();
});

it('purges a job prefix of 1,500 objects on s3rver (past its broken V2 paging) and leaves other jobs alone', async () => {
  const prefix = 'videos/tester/job-many/';
  const keys = Array.from({ length: 1500 }, (_, i) => `${prefix}hls/seg-${String(i).padStart(5, '0')}.ts`);
  await runPool(keys, 16, (key) => client.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: 'x' })));
  await client.send(new PutObjectCommand({ Bucket: env.bucket, Key: 'videos/tester/job-other/video.mp4', Body: 'y' }));

  expect(await purgeObjects({ client, bucket: env.bucket, prefix })).toBe(1500);
  expect(await listAllObjects({ client, bucket: env.bucket, prefix })).toEqual([]);
  expect((await listAllObjects({ client, bucket: env.bucket, prefix: 'videos/' })).map((o) => o.key)).toEqual(['videos/tester/job-other/video.mp4']);
  // Idempotent: again on the empty prefix.
  expect(await purgeObjects({ client, bucket: env.bucket, prefix })).toBe(0);
}, 300000); // 1,500 PUTs to s3rver: seconds on a quiet machine, minutes on a loaded one
