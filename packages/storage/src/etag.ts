import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * Which ETag a store reports for a multipart upload: `parts` is S3's and
 * MinIO's `md5(part md5s)-N`; `whole` is the MD5 of the whole object (s3rver);
 * `either` computes both (an unknown store; twice the hashing). A single PUT's
 * ETag is the object's MD5 in every case.
 */
export type MultipartEtagForm = 'parts' | 'whole' | 'either';

/**
 * MD5s of content fed in order: per part-size chunk and/or of the whole, as
 * the store's multipart ETag form needs, so the expected ETag is known without
 * reading the file twice. Shared by the in-thread hasher and the hashing thread.
 */
export class EtagState {
  private readonly whole: Hash | null;
  private part: Hash | null;
  private partBytes = 0;
  private readonly partDigests: Buffer[] = [];
  private etags: string[] | null = null;

  constructor(
    private readonly partSizeBytes: number,
    form: MultipartEtagForm = 'either',
  ) {
    this.whole = form === 'parts' ? null : createHash('md5');
    this.part = form === 'whole' ? null : createHash('md5');
  }

  update(chunk: Uint8Array): void {
    this.whole?.update(chunk);
    if (!this.part) return;
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.partSizeBytes - this.partBytes);
      this.part.update(chunk.subarray(offset, offset + take));
      this.partBytes += take;
      offset += take;
      if (this.partBytes === this.partSizeBytes) this.closePart();
    }
  }

  /**
   * The ETags a store may report for this content: the whole MD5 where
   * computed (or where one part is the whole), and `md5(part md5s)-N` for
   * several parts where computed. Call after the last update.
   */
  finish(): string[] {
    if (this.etags) return this.etags;
    const etags: string[] = [];
    if (this.part) {
      if (this.partBytes > 0 || this.partDigests.length === 0) this.closePart();
      if (this.partDigests.length === 1) etags.push(this.partDigests[0]!.toString('hex'));
      else etags.push(`${createHash('md5').update(Buffer.concat(this.partDigests)).digest('hex')}-${this.partDigests.length}`);
    }
    if (this.whole) {
      const single = this.whole.digest('hex');
      if (!etags.includes(single)) etags.unshift(single);
    }
    this.etags = etags;
    return etags;
  }

  private closePart(): void {
    this.partDigests.push(this.part!.digest());
    this.part = createHash('md5');
    this.partBytes = 0;
  }
}

/** Whether a stored ETag is a multipart one (`…-N`). */
export function isMultipartEtag(etag: string): boolean {
  return /-\d+"?$/.test(etag);
}

/** Hashes a stream as it passes, on the calling thread (small files; see HashedFileStream for large ones). */
export class EtagHasher extends Transform {
  private readonly state: EtagState;

  constructor(partSizeBytes: number, form: MultipartEtagForm = 'either') {
    super();
    this.state = new EtagState(partSizeBytes, form);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.state.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.state.finish();
    done();
  }

  /** The ETags a store may report for this content (valid after the stream ended). */
  expectedEtags(): Promise<string[]> {
    return Promise.resolve(this.state.finish());
  }
}

/** ETags that are MD5-shaped (plain or multipart); others (SSE-KMS, some stores) can't be checked. */
export function isMd5Etag(etag: string | undefined): boolean {
  return typeof etag === 'string' && /^"?[0-9a-f]{32}(-\d+)?"?$/i.test(etag);
}

export function normalizeEtag(etag: string): string {
  return etag.replace(/"/g, '').toLowerCase();
}
