import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { startEmbeddedS3 } from '@vidgen/embedded';
import { S3UploadManager, createS3Client, ensureBucket } from '@vidgen/storage';
import { startFaultProxy, type Fault } from '@vidgen/testing';

const MiB = 1024 * 1024;
const PART = 8 * MiB;
const QUEUE = 4;
const FAULT_SHARE = 0.2;
/** Memory is flat when the upload's peak RSS stays within the parts in flight plus this much, whatever the file size. */
const RSS_SLACK_MB = 48;

/** Writes `bytes` of random data, returning its MD5 (computed on the way). */
async function writeRandomFile(file: string, bytes: number): Promise<string> {
  const hash = createHash('md5');
  const out = createWriteStream(file);
  for (let written = 0; written < bytes; written += MiB) {
    const chunk = randomBytes(Math.min(MiB, bytes - written));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hash.digest('hex');
}

export interface UploadSoakResult {
  figures: Record<string, unknown>;
  violations: string[];
  note: string;
}

/**
 * One video-sized file (1 GiB, 64 MiB quick) through S3UploadManager, in this
 * process, to s3rver behind a proxy that fails a fifth of the requests (503
 * SlowDown or a connection reset, at random): it must complete, the stored
 * bytes must hash to the file's MD5, this process's RSS must stay flat (parts
 * stream from disk), and no multipart upload may stay open on the store.
 */
export async function soakUpload(options: { quick: boolean; stackDir: string }): Promise<UploadSoakResult> {
  const { quick, stackDir } = options;
  const bytes = (quick ? 64 : 1024) * MiB;
  const dir = path.join(stackDir, 'upload');
  const violations: string[] = [];
  const file = path.join(dir, 'video.bin');
  const s3 = await startEmbeddedS3({ port: 0, directory: path.join(dir, 's3'), buckets: [] });
  const faulted = { slowdown: 0, reset: 0 };
  const proxy = await startFaultProxy(s3.endpoint, (): Fault => {
    if (Math.random() >= FAULT_SHARE) return 'pass';
    if (Math.random() < 0.5) return (faulted.slowdown++, { status: 503, code: 'SlowDown' });
    return (faulted.reset++, 'reset');
  });
  const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  const direct = createS3Client({ endpoint: s3.endpoint, region: 'us-east-1', credentials, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 3 });
  const client = createS3Client({ endpoint: proxy.endpoint, region: 'us-east-1', credentials, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 3 });
  const bucket = 'soak-upload';
  try {
    await ensureBucket(direct, bucket);
    const md5 = await writeRandomFile(file, bytes);
    const manager = new S3UploadManager({ client, bucket, partSizeBytes: PART, queueSize: QUEUE, retry: { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 1000 }, batchConcurrency: 4, verifyEtag: true });
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
    const started = Date.now();
    let uploaded: Awaited<ReturnType<S3UploadManager['uploadFile']>> | null = null;
    try {
      uploaded = await manager.uploadFile({ key: 'videos/soak/upload/video.bin', filePath: file, contentType: 'application/octet-stream' });
    } catch (err) {
      violations.push(`the ${bytes / MiB} MiB upload failed under ${FAULT_SHARE * 100}% faults: ${(err as Error).message}`);
    } finally {
      clearInterval(timer);
    }
    const seconds = (Date.now() - started) / 1000;
    const growthMb = Math.round(((peak - rssBefore) / MiB) * 10) / 10;
    const limitMb = (PART * QUEUE) / MiB + RSS_SLACK_MB;
    if (growthMb > limitMb) violations.push(`the upload's RSS grew ${growthMb} MB, more than the ${limitMb} MB of the parts in flight plus slack: memory is not flat`);

    // Verified: the stored bytes hash to the file's MD5, read past the proxy.
    let storedMd5: string | null = null;
    if (uploaded) {
      const hash = createHash('md5');
      const got = await direct.send(new GetObjectCommand({ Bucket: bucket, Key: uploaded.key }));
      for await (const chunk of got.Body as AsyncIterable<Buffer>) hash.update(chunk);
      storedMd5 = hash.digest('hex');
      if (storedMd5 !== md5) violations.push(`the stored object's MD5 ${storedMd5} is not the file's ${md5}`);
      if (uploaded.size_bytes !== bytes) violations.push(`the upload reported ${uploaded.size_bytes} bytes, not ${bytes}`);
    }
    // Open multipart uploads: s3rver keeps each in <bucket>/._S3rver_uploads/<id> until it completes; it refuses
    // AbortMultipartUpload (405), so an upload our manager aborted stays there and counts as closed when the abort was sent.
    const onStore = await readdir(path.join(dir, 's3', bucket, '._S3rver_uploads')).catch(() => [] as string[]);
    const aborted = new Set(proxy.requests.filter((r) => r.method === 'DELETE' && r.fault === 'pass').map((r) => new URL(r.url, 'http://x').searchParams.get('uploadId')));
    const open = onStore.filter((id) => !aborted.has(id));
    if (open.length) violations.push(`${open.length} multipart upload(s) left open on the store`);
    return {
      violations,
      note: `Upload: ${bytes / MiB} MiB through S3UploadManager (${PART / MiB} MiB parts, ${QUEUE} in flight) to s3rver behind a proxy failing ${FAULT_SHARE * 100}% of requests (503 SlowDown or reset); RSS sampled every 100 ms in this process, limit ${limitMb} MB over the start.`,
      figures: {
        mib: bytes / MiB,
        completed: uploaded !== null,
        verified: storedMd5 === md5 && uploaded?.checksum_verified === true,
        attempts: uploaded?.attempts ?? null,
        requests: proxy.requests.length,
        faults: faulted,
        rss_growth_mb: growthMb,
        seconds: Math.round(seconds * 10) / 10,
        multipart_open: open.length,
      },
    };
  } finally {
    client.destroy();
    direct.destroy();
    await proxy.close();
    await s3.close();
    await rm(dir, { recursive: true, force: true });
  }
}
