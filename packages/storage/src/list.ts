import { ListObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface ListedObject {
  key: string;
  size: number;
}

export interface ListOptions {
  client: S3Client;
  bucket: string;
  /** Only keys under this prefix. */
  prefix: string;
  /** Keys per page (S3 answers at most 1,000 whatever is asked). */
  pageSize?: number;
}

/** A server error or an unimplemented call: V2 paging itself is broken there, V1 may work. */
function v2Broken(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode ?? 0;
  return e?.name === 'NotImplemented' || status >= 500 || status === 400;
}

/**
 * Every object under a prefix, one page (≤ 1,000 keys) at a time, on every
 * store. ListObjectsV2 first; where its paging fails (s3rver 3.7 answers a
 * truncated V2 listing with an error: its continuation tokens are DES-encrypted
 * and OpenSSL 3 refuses DES), the listing goes on with ListObjects V1 and a
 * marker (the last key seen), which needs no token. A failure on a store where
 * V2 works, or of V1 itself, is thrown.
 */
export async function* listObjectPages(options: ListOptions): AsyncGenerator<ListedObject[]> {
  const { client, bucket, prefix, pageSize } = options;
  let token: string | undefined;
  let lastKey: string | undefined;
  let v1 = false;
  for (;;) {
    if (!v1) {
      try {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, StartAfter: token ? undefined : lastKey, MaxKeys: pageSize }));
        const objects = (page.Contents ?? []).filter((o) => o.Key).map((o) => ({ key: o.Key!, size: o.Size ?? 0 }));
        if (objects.length) yield objects;
        lastKey = objects.at(-1)?.key ?? lastKey;
        if (!page.IsTruncated) return;
        if (!page.NextContinuationToken) v1 = true; // truncated without a token: page on by marker
        token = page.NextContinuationToken;
        continue;
      } catch (err) {
        if (!v2Broken(err)) throw err;
        v1 = true;
      }
    }
    const page = await client.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, Marker: lastKey, MaxKeys: pageSize }));
    const objects = (page.Contents ?? []).filter((o) => o.Key).map((o) => ({ key: o.Key!, size: o.Size ?? 0 }));
    if (objects.length) yield objects;
    const next = page.NextMarker ?? objects.at(-1)?.key;
    if (!page.IsTruncated || !next || next === lastKey) return;
    lastKey = next;
  }
}

/** All objects under a prefix (see listObjectPages): for checks and small prefixes; purges go page by page. */
export async function listAllObjects(options: ListOptions): Promise<ListedObject[]> {
  const all: ListedObject[] = [];
  for await (const page of listObjectPages(options)) all.push(...page);
  return all;
}
