import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Passes a stream through unchanged, MD5-hashing it on the way (when `hash`)
 * and reporting the bytes that went through, so the expected ETag is known
 * without reading the file twice. With `expectedBytes`, a stream of another
 * length fails at its end (the file changed since its size was taken).
 */
export class Md5Stream extends Transform {
  private readonly hash: Hash | null;
  private bytes = 0;

  constructor(private readonly options: { hash?: boolean; expectedBytes?: number; onBytes?: (bytes: number) => void } = {}) {
    super();
    this.hash = options.hash === false ? null : createHash('md5');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash?.update(chunk);
    this.bytes += chunk.length;
    this.options.onBytes?.(this.bytes);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const expected = this.options.expectedBytes;
    done(expected !== undefined && expected !== this.bytes ? new Error(`read ${this.bytes} bytes, expected ${expected}`) : null);
  }

  /** The MD5 of everything that passed (call once, after the stream ended). */
  digest(): Buffer {
    if (!this.hash) throw new Error('Md5Stream was created without hashing');
    return this.hash.digest();
  }

  hex(): string {
    return this.digest().toString('hex');
  }
}

/** S3's ETag of a multipart upload: the MD5 of the parts' MD5s, then "-" and the part count. */
export function multipartEtag(partDigests: readonly Buffer[]): string {
  return `${createHash('md5').update(Buffer.concat(partDigests)).digest('hex')}-${partDigests.length}`;
}

/** Whether a stored ETag is a multipart one (`…-N`). */
export function isMultipartEtag(etag: string): boolean {
  return /-\d+"?$/.test(etag);
}

/** ETags that are MD5-shaped (plain or multipart); others (SSE-KMS, some stores) can't be checked. */
export function isMd5Etag(etag: string | undefined): boolean {
  return typeof etag === 'string' && /^"?[0-9a-f]{32}(-\d+)?"?$/i.test(etag);
}

export function normalizeEtag(etag: string): string {
  return etag.replace(/"/g, '').toLowerCase();
}
