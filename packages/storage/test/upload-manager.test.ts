import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, truncateSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { VidgenError } from '@vidgen/core';
import { S3UploadManager, createS3Client, type S3UploadManagerOptions, type UploadEvent } from '@vidgen/storage';
import { createTestEnv, startFaultProxy, type Fault, type FaultProxy, type TestEnv } from '@vidgen/testing';

const MiB = 1024 * 1024;
const PART = 5 * MiB;
const SDK_ATTEMPTS = 2;

async function md5OfFile(file: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function md5OfObject(client: S3Client, bucket: string, key: string): Promise<string> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('md5');
  for await (const chunk of out.Body as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

describe('S3UploadManager against the embedded S3 server', () => {
  let env: TestEnv;
  let dir: string;
  let direct: S3Client;
  let big: string;
  let bigData: Buffer;
  let small: string;
  const proxies: FaultProxy[] = [];
  const clients: S3Client[] = [];

  const clientFor = (endpoint: string) => {
    const c = createS3Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: SDK_ATTEMPTS });
    clients.push(c);
    return c;
  };
  const manager = (client: S3Client, events: UploadEvent[] = [], extra: Partial<S3UploadManagerOptions> = {}) =>
    new S3UploadManager({
      ...extra,
      client,
      bucket: env.bucket,
      partSizeBytes: PART,
      queueSize: 2,
      retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50 },
      batchConcurrency: 3,
      verifyEtag: true,
      observer: { onUpload: (e) => events.push(e) },
    });
  const proxied = async (plan: Parameters<typeof startFaultProxy>[1]) => {
    const proxy = await startFaultProxy(env.s3.endpoint, plan);
    proxies.push(proxy);
    return proxy;
  };

  beforeAll(async () => {
    env = await createTestEnv();
    dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-storage-test-'));
    direct = clientFor(env.s3.endpoint);
    big = path.join(dir, 'big.bin');
    bigData = randomBytes(3 * PART + 12345);
    await writeFile(big, bigData);
    small = path.join(dir, 'small.bin');
    await writeFile(small, randomBytes(64 * 1024));
  });

  afterAll(async () => {
    for (const p of proxies) await p.close();
    for (const c of clients) c.destroy();
    await rm(dir, { recursive: true, force: true });
    await env.cleanup();
  });

  it('uploads a file of several parts with progress, and the stored bytes equal the file', async () => {
    const events: UploadEvent[] = [];
    const progress: number[] = [];
    const result = await manager(direct, events).uploadFile({ key: 'videos/t/1/big.bin', filePath: big, contentType: 'application/octet-stream', onProgress: (loaded) => progress.push(loaded) });
    expect(result).toMatchObject({ size_bytes: 3 * PART + 12345, attempts: 1, checksum_verified: true });
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress.at(-1)).toBe(3 * PART + 12345);
    expect(await md5OfObject(direct, env.bucket, result.key)).toBe(await md5OfFile(big));
    expect(events).toEqual([expect.objectContaining({ key: result.key, bytes: 3 * PART + 12345, ok: true, attempts: 1 })]);
  });

  it('sends upload bodies UNSIGNED-PAYLOAD when asked (the MD5 check covers them), and signs them otherwise', async () => {
    const sent: string[] = [];
    const proxy = await proxied((_n, req) => {
      if (req.method === 'PUT') sent.push(String(req.headers['x-amz-content-sha256']));
      return 'pass';
    });
    const unsigned = createS3Client({ endpoint: proxy.endpoint, region: 'us-east-1', credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 1, unsignedUploadPayload: true });
    clients.push(unsigned);
    await manager(unsigned).uploadFile({ key: 'videos/t/7/unsigned.bin', filePath: big, contentType: 'application/octet-stream' });
    expect(sent).toHaveLength(4);
    expect(new Set(sent)).toEqual(new Set(['UNSIGNED-PAYLOAD']));
    sent.length = 0;
    await manager(clientFor(proxy.endpoint)).uploadFile({ key: 'videos/t/7/signed.bin', filePath: small, contentType: 'application/octet-stream' });
    expect(sent).toEqual([createHash('sha256').update(await readFile(small)).digest('hex')]);
  });

  it("checks every part's ETag, retrying a part the store got wrong on its own", async () => {
    // The store's answer for the second part's first try claims another MD5, as for a part corrupted on the way.
    let bad = true;
    const proxy = await proxied((_n, req) => {
      if (req.method === 'PUT' && /partNumber=2\b/.test(req.url ?? '') && bad) {
        bad = false;
        return { headers: { etag: '"0123456789abcdef0123456789abcdef"' } };
      }
      return 'pass';
    });
    const result = await manager(clientFor(proxy.endpoint)).uploadFile({ key: 'videos/t/8/part-retry.bin', filePath: big, contentType: 'application/octet-stream' });
    expect(result).toMatchObject({ size_bytes: 3 * PART + 12345, attempts: 1, checksum_verified: true });
    // One CreateMultipartUpload, four parts plus the one retried, one Complete, one HeadObject.
    expect(proxy.seen.filter((m) => m === 'POST')).toHaveLength(2);
    expect(proxy.seen.filter((m) => m === 'PUT')).toHaveLength(5);
    expect(await md5OfObject(direct, env.bucket, result.key)).toBe(await md5OfFile(big));
  });

  it("compares a multipart ETag (md5 of the part MD5s, as S3 and MinIO give) with the parts'", async () => {
    const parts = [0, 1, 2, 3].map((i) => createHash('md5').update(bigData.subarray(i * PART, (i + 1) * PART)).digest());
    const right = `"${createHash('md5').update(Buffer.concat(parts)).digest('hex')}-4"`;
    for (const [etag, ok] of [
      [right, true],
      ['"0123456789abcdef0123456789abcdef-4"', false],
    ] as const) {
      const proxy = await proxied((_n, req) => (req.method === 'HEAD' ? { headers: { etag } } : 'pass'));
      const out = await manager(clientFor(proxy.endpoint))
        .uploadFile({ key: `videos/t/8/${randomBytes(3).toString('hex')}.bin`, filePath: big, contentType: 'application/octet-stream' })
        .catch((e: unknown) => e);
      if (ok) expect(out).toMatchObject({ checksum_verified: true, etag: right });
      else expect(out).toMatchObject({ code: 'STORAGE_CHECKSUM_MISMATCH', details: { stored_etag: etag } });
    }
  });

  it('refuses a single PUT whose stored ETag differs from the content', async () => {
    const wrong = await proxied((_n, req) => (req.method === 'HEAD' ? { headers: { etag: '"0123456789abcdef0123456789abcdef"' } } : 'pass'));
    const err = await manager(clientFor(wrong.endpoint))
      .uploadFile({ key: `videos/t/6/${randomBytes(3).toString('hex')}.bin`, filePath: small, contentType: 'application/octet-stream' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_CHECKSUM_MISMATCH', category: 'storage' });
    expect((err as VidgenError).details).toMatchObject({ stored_etag: '"0123456789abcdef0123456789abcdef"' });
  });

  it.each([
    ['503 SlowDown', { status: 503, code: 'SlowDown' } as Fault],
    ['a connection reset', 'reset' as Fault],
  ])('retries past the SDK attempts when the first requests fail with %s', async (_name, fault) => {
    const K = SDK_ATTEMPTS + 1;
    const proxy = await proxied((n) => (n <= K ? fault : 'pass'));
    const events: UploadEvent[] = [];
    const result = await manager(clientFor(proxy.endpoint), events).uploadFile({ key: `videos/t/2/${randomBytes(3).toString('hex')}.bin`, filePath: small, contentType: 'application/octet-stream' });
    // Our attempt 1: the SDK's 2 requests fail. Attempt 2: one more failure, then the PUT passes, then HeadObject.
    expect(proxy.seen).toEqual(['PUT', 'PUT', 'PUT', 'PUT', 'HEAD']);
    expect(result.attempts).toBe(2);
    expect(events).toEqual([expect.objectContaining({ ok: true, attempts: 2 })]);
    expect(await md5OfObject(direct, env.bucket, result.key)).toBe(await md5OfFile(small));
  });

  it('fails a 403 after exactly one request, as a permanent storage error', async () => {
    const proxy = await proxied(() => ({ status: 403, code: 'AccessDenied' }));
    const events: UploadEvent[] = [];
    const err = await manager(clientFor(proxy.endpoint), events)
      .uploadFile({ key: 'videos/t/3/denied.bin', filePath: small, contentType: 'application/octet-stream' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VidgenError);
    expect(err).toMatchObject({ code: 'STORAGE_PERMANENT_FAILURE', category: 'storage', retryable: false });
    expect((err as VidgenError).suggestedAction).toMatch(/credentials/);
    expect(proxy.seen).toEqual(['PUT']);
    expect(events).toEqual([expect.objectContaining({ ok: false, attempts: 1, errorCategory: 'storage' })]);
  });

  it('ends with a retryable storage error when a part keeps failing, and aborts the multipart upload', async () => {
    // CreateMultipartUpload passes; every part upload fails with 500: the part is retried alone up to the
    // policy's attempts, then the upload gives up (a whole new upload would fail the same way) and is aborted.
    const proxy = await startFaultProxy(env.s3.endpoint, (_n, req) => (req.method === 'PUT' && /partNumber=/.test(req.url ?? '') ? { status: 500, code: 'InternalError' } : 'pass'));
    proxies.push(proxy);
    const err = await manager(clientFor(proxy.endpoint))
      .uploadFile({ key: 'videos/t/4/big.bin', filePath: big, contentType: 'application/octet-stream' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_UPLOAD_FAILED', category: 'storage', retryable: true });
    expect((err as VidgenError).details).toMatchObject({ attempts: 5 });
    expect(proxy.seen.filter((m) => m === 'POST')).toHaveLength(1);
    expect(proxy.seen.filter((m) => m === 'PUT').length).toBeGreaterThanOrEqual(5);
    // One AbortMultipartUpload (DELETE ?uploadId=); the original failure survives it even though s3rver answers the abort with 405.
    expect(proxy.seen.filter((m) => m === 'DELETE')).toHaveLength(1);
    expect((err as VidgenError).details).toMatchObject({ http_status: 500, s3_error: 'InternalError' });
  });

  it('stops a multipart upload on abort: JOB_CANCELLED, and the multipart upload is aborted', async () => {
    const proxy = await proxied(() => 'pass');
    const controller = new AbortController();
    const err = await manager(clientFor(proxy.endpoint))
      .uploadFile({ key: 'videos/t/9/cancelled.bin', filePath: big, contentType: 'application/octet-stream', onProgress: (loaded) => loaded > 0 && controller.abort() }, controller.signal)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'JOB_CANCELLED' });
    expect(proxy.seen.filter((m) => m === 'POST')).toHaveLength(1); // created, never completed
    expect(proxy.seen.filter((m) => m === 'DELETE')).toHaveLength(1);
    expect(proxy.seen).not.toContain('HEAD');
  });

  it('fails a part promptly when the file changes under it (fewer bytes than declared), and aborts the upload', async () => {
    const shrinking = path.join(dir, 'shrinking.bin');
    await writeFile(shrinking, bigData);
    const proxy = await proxied(() => 'pass');
    let cut = false;
    const err = await manager(clientFor(proxy.endpoint))
      .uploadFile({
        key: 'videos/t/10/shrinking.bin',
        filePath: shrinking,
        contentType: 'application/octet-stream',
        onProgress: () => {
          if (!cut) {
            cut = true;
            truncateSync(shrinking, PART + 10);
          }
        },
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INTERNAL_ERROR', retryable: false });
    expect((err as VidgenError).message).toMatch(/expected/);
    expect(proxy.seen.filter((m) => m === 'DELETE')).toHaveLength(1);
    expect(proxy.seen).not.toContain('HEAD');
  });

  it('stops a single PUT in flight on abort: JOB_CANCELLED, and no object appears', async () => {
    const proxy = await proxied((_n, req) => (req.method === 'PUT' ? { delayMs: 800 } : 'pass'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const err = await manager(clientFor(proxy.endpoint))
      .uploadFile({ key: 'videos/t/11/slow.bin', filePath: small, contentType: 'application/octet-stream' }, controller.signal)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'JOB_CANCELLED' });
    await new Promise((r) => setTimeout(r, 1200));
    const head = await direct.send(new HeadObjectCommand({ Bucket: env.bucket, Key: 'videos/t/11/slow.bin' })).catch((e: { $metadata?: { httpStatusCode?: number } }) => e);
    expect(head).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('does nothing for an already cancelled job', async () => {
    const proxy = await proxied(() => 'pass');
    const controller = new AbortController();
    controller.abort();
    const m = manager(clientFor(proxy.endpoint));
    await expect(m.uploadFile({ key: 'videos/t/12/a.bin', filePath: big, contentType: 'application/octet-stream' }, controller.signal)).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    await expect(m.uploadBatch([{ key: 'videos/t/12/b.bin', filePath: small, contentType: 'application/octet-stream' }], controller.signal)).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    expect(proxy.seen).toEqual([]);
  });

  it('fails a batch at its first failure and stops the uploads in flight', async () => {
    const proxy = await proxied((_n, req) => (req.method === 'PUT' && /denied/.test(req.url ?? '') ? { status: 403, code: 'AccessDenied' } : req.method === 'PUT' ? { delayMs: 3000 } : 'pass'));
    const started = Date.now();
    const err = await manager(clientFor(proxy.endpoint))
      .uploadBatch([
        { key: 'videos/t/13/slow.bin', filePath: small, contentType: 'application/octet-stream' },
        { key: 'videos/t/13/denied.bin', filePath: small, contentType: 'application/octet-stream' },
      ])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_PERMANENT_FAILURE' });
    expect(Date.now() - started).toBeLessThan(2500); // not held until the slow upload ends
    await new Promise((r) => setTimeout(r, 3500));
    const head = await direct.send(new HeadObjectCommand({ Bucket: env.bucket, Key: 'videos/t/13/slow.bin' })).catch((e: { $metadata?: { httpStatusCode?: number } }) => e);
    expect(head).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('uploads a batch with bounded concurrency, each object verified', async () => {
    const files = await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        const f = path.join(dir, `seg-${i}.ts`);
        await writeFile(f, randomBytes(1000 + i));
        return f;
      }),
    );
    const events: UploadEvent[] = [];
    const out = await manager(direct, events).uploadBatch(files.map((f, i) => ({ key: `videos/t/5/seg-${i}.ts`, filePath: f, contentType: 'video/mp2t' })));
    expect(out.map((o) => o.size_bytes)).toEqual(files.map((_, i) => 1000 + i));
    expect(events.filter((e) => e.ok)).toHaveLength(7);
    for (const [i, o] of out.entries()) expect(await md5OfObject(direct, env.bucket, o.key)).toBe(await md5OfFile(files[i]!));
  });
});
