import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Hashes a stream as it passes: the MD5 of the whole object and the MD5 of
 * each part-size chunk, so the expected S3 ETag of a single PUT (`md5`) or a
 * multipart upload (`md5(part md5s)-N`) is known without reading the file twice.
 */
export class EtagHasher extends Transform {
  private readonly whole = createHash('md5');
  private part: Hash = createHash('md5');
  private partBytes = 0;
  private readonly partDigests: Buffer[] = [];

  constructor(private readonly partSizeBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.whole.update(chunk);
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.partSizeBytes - this.partBytes);
      this.part.update(chunk.subarray(offset, offset + take));
      this.partBytes += take;
      offset += take;
      if (this.partBytes === this.partSizeBytes) this.closePart();
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.partBytes > 0) this.closePart();
    done();
  }

  private closePart(): void {
    this.partDigests.push(this.part.digest());
    this.part = createHash('md5');
    this.partBytes = 0;
  }

  /** The ETags a store may report for this content (valid after the stream ended). */
  expectedEtags(): string[] {
    const single = this.whole.copy().digest('hex');
    if (this.partDigests.length <= 1) return [single];
    const multi = `${createHash('md5').update(Buffer.concat(this.partDigests)).digest('hex')}-${this.partDigests.length}`;
    return [single, multi];
  }
}

/** ETags that are MD5-shaped (plain or multipart); others (SSE-KMS, some stores) can't be checked. */
export function isMd5Etag(etag: string | undefined): boolean {
  return typeof etag === 'string' && /^"?[0-9a-f]{32}(-\d+)?"?$/i.test(etag);
}

export function normalizeEtag(etag: string): string {
  return etag.replace(/"/g, '').toLowerCase();
}
