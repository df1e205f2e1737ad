import { DeleteObjectsCommand, ListObjectVersionsCommand, type ObjectIdentifier, type S3Client } from '@aws-sdk/client-s3';
import { listObjectPages } from './list';

export interface PurgeOptions {
  client: S3Client;
  bucket: string;
  /** Every object under this key prefix goes. */
  prefix: string;
}

function unsupported(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotImplemented' || e?.$metadata?.httpStatusCode === 501 || e?.$metadata?.httpStatusCode === 405;
}

/** Deletes up to 1000 objects per request; a per-key error fails the purge, so the queue retries it. */
async function deleteBatch(client: S3Client, bucket: string, objects: ObjectIdentifier[]): Promise<void> {
  if (objects.length === 0) return;
  const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
  const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey' && e.Code !== 'NoSuchVersion');
  if (failed.length) throw new Error(`S3 refused to delete ${failed.length} object(s): ${failed[0]!.Code} ${failed[0]!.Key}`);
}

/**
 * Deletes every object under a prefix, every version of it where the bucket
 * keeps versions (ListObjectVersions, delete markers included). Stores that
 * don't implement versions (s3rver) fall back to the unversioned listing
 * (listObjectPages: past 1,000 keys on every store, s3rver included). Idempotent:
 * running it again on an empty prefix deletes nothing. Returns how many
 * objects (or versions) it deleted.
 */
export async function purgeObjects(options: PurgeOptions): Promise<number> {
  const { client, bucket, prefix } = options;
  let deleted = 0;
  try {
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
      const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
        .filter((v) => v.Key)
        .map((v) => (v.VersionId && v.VersionId !== 'null' ? { Key: v.Key!, VersionId: v.VersionId } : { Key: v.Key! }));
      await deleteBatch(client, bucket, objects);
      deleted += objects.length;
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
  } catch (err) {
    if (!unsupported(err)) throw err;
  }
  // Unversioned listing: the only listing s3rver has, and a check that nothing current is left.
  // Deleting while paging is safe: the next page starts after the last key seen, not at an offset.
  for await (const page of listObjectPages({ client, bucket, prefix })) {
    await deleteBatch(client, bucket, page.map((o) => ({ Key: o.key })));
    deleted += page.length;
  }
  return deleted;
}
