/**
 * One uploader of the upload benchmark, in its own process (its peak RSS and
 * CPU are measured by the parent): "manager" is S3UploadManager, "bare" a
 * plain lib-storage Upload with the same part size and queue size.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Upload } from '@aws-sdk/lib-storage';
import { EMBEDDED_S3_CREDENTIALS } from '@vidgen/embedded';
import { S3UploadManager, createS3Client } from '@vidgen/storage';

async function main(): Promise<void> {
  const [mode, endpoint, bucket, key, file, part, queue] = process.argv.slice(2);
  const partSizeBytes = Number(part);
  const queueSize = Number(queue);
  const verifyEtag = mode === 'manager' && process.env.BENCH_VERIFY_ETAG !== 'false';
  // The manager runs as the worker configures it: the MD5 check on, so its bodies go UNSIGNED-PAYLOAD.
  // The bare Upload runs on the SDK's defaults.
  const client = createS3Client({ endpoint, region: 'us-east-1', credentials: { ...EMBEDDED_S3_CREDENTIALS }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 3, unsignedUploadPayload: verifyEtag });
  const started = process.hrtime.bigint();
  if (mode === 'manager') {
    const manager = new S3UploadManager({ client, bucket: bucket!, partSizeBytes, queueSize, retry: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 20000 }, batchConcurrency: 8, verifyEtag });
    const uploaded = await manager.uploadFile({ key: key!, filePath: file!, contentType: 'application/octet-stream' });
    if (uploaded.checksum_verified !== verifyEtag) throw new Error(`expected checksum_verified=${verifyEtag}, got ${uploaded.checksum_verified}`);
  } else {
    const { size } = await stat(file!);
    const upload = new Upload({ client, params: { Bucket: bucket, Key: key, Body: createReadStream(file!), ContentLength: size }, partSize: partSizeBytes, queueSize });
    await upload.done();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  client.destroy();
  process.stdout.write(`${JSON.stringify({ seconds })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
