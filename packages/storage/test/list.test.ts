import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { runPool } from '@vidgen/core';
import { createS3Client, listAllObjects, listObjectPages } from '@vidgen/storage';
import { createTestEnv, type TestEnv } from '@vidgen/testing';

const COUNT = 1500;

describe('listing past 1,000 keys on s3rver', () => {
  let env: TestEnv;
  let client: S3Client;
  const keys = Array.from({ length: COUNT }, (_, i) => `many/${String(i).padStart(5, '0')}.txt`);

  beforeAll(async () => {
    env = await createTestEnv();
    client = createS3Client({ endpoint: env.s3.endpoint, region: 'us-east-1', credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 2 });
    await runPool(keys, 16, (key) => client.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: key })));
    await client.send(new PutObjectCommand({ Bucket: env.bucket, Key: 'other/outside.txt', Body: 'x' }));
  }, 300000); // 1,500 PUTs to s3rver: seconds on a quiet machine, minutes on a loaded one

  afterAll(async () => {
    client?.destroy();
    await env?.cleanup();
  });

  it('s3rver refuses a truncated ListObjectsV2 (the quirk the V1 fallback exists for)', async () => {
    await expect(client.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: 'many/' }))).rejects.toBeTruthy();
  });

  it('lists all 1,500 keys under the prefix once each, in key order, and nothing outside it', async () => {
    const listed = await listAllObjects({ client, bucket: env.bucket, prefix: 'many/' });
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(listed.every((o, i) => o.size === Buffer.byteLength(keys[i]!))).toBe(true);
  });

  it('pages of at most the asked size', async () => {
    const sizes: number[] = [];
    for await (const page of listObjectPages({ client, bucket: env.bucket, prefix: 'many/', pageSize: 400 })) sizes.push(page.length);
    expect(sizes).toEqual([400, 400, 400, 300]);
  });
});
