import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Md5Stream, isMd5Etag, isMultipartEtag, multipartEtag, normalizeEtag } from '@vidgen/storage';

const md5 = (b: Buffer) => createHash('md5').update(b).digest();

async function through(data: Buffer, chunk: number, hash = true): Promise<{ out: Buffer; stream: Md5Stream; counts: number[] }> {
  const counts: number[] = [];
  const stream = new Md5Stream({ hash, onBytes: (n) => counts.push(n) });
  const pieces = Array.from({ length: Math.ceil(data.length / chunk) }, (_, i) => data.subarray(i * chunk, (i + 1) * chunk));
  const out: Buffer[] = [];
  await pipeline(Readable.from(pieces), stream, async function* (src) {
    for await (const c of src) out.push(c as Buffer);
  });
  return { out: Buffer.concat(out), stream, counts };
}

describe('Md5Stream', () => {
  it('passes the bytes through unchanged, hashes them and counts them, whatever the chunking', async () => {
    const data = randomBytes(2500);
    for (const chunk of [7, 1000, 4096]) {
      const { out, stream, counts } = await through(data, chunk);
      expect(out.equals(data)).toBe(true);
      expect(stream.hex()).toBe(md5(data).toString('hex'));
      expect(counts.at(-1)).toBe(2500);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
    }
  });

  it('fails at the end when the stream is not the expected length', async () => {
    const data = randomBytes(100);
    await expect(pipeline(Readable.from([data]), new Md5Stream({ expectedBytes: 101 }), async function* (src) {
      for await (const c of src) void c;
    })).rejects.toThrow(/read 100 bytes, expected 101/);
    await pipeline(Readable.from([data]), new Md5Stream({ expectedBytes: 100 }), async function* (src) {
      for await (const c of src) void c;
    });
  });

  it('only counts when not hashing', async () => {
    const { stream, counts } = await through(randomBytes(100), 10, false);
    expect(counts.at(-1)).toBe(100);
    expect(() => stream.digest()).toThrow();
  });
});

describe('ETags', () => {
  it("computes S3's multipart ETag from the parts' MD5s", () => {
    const parts = [randomBytes(1000), randomBytes(1000), randomBytes(500)];
    expect(multipartEtag(parts.map(md5))).toBe(`${createHash('md5').update(Buffer.concat(parts.map(md5))).digest('hex')}-3`);
  });

  it('recognizes MD5-shaped and multipart ETags', () => {
    expect(isMd5Etag('"9e107d9d372bb6826bd81d3542a419d6"')).toBe(true);
    expect(isMd5Etag('"9e107d9d372bb6826bd81d3542a419d6-12"')).toBe(true);
    expect(isMd5Etag('"abc"')).toBe(false);
    expect(isMd5Etag(undefined)).toBe(false);
    expect(isMultipartEtag('"9e107d9d372bb6826bd81d3542a419d6-12"')).toBe(true);
    expect(isMultipartEtag('"9e107d9d372bb6826bd81d3542a419d6"')).toBe(false);
    expect(normalizeEtag('"9E107D9D372BB6826BD81D3542A419D6"')).toBe('9e107d9d372bb6826bd81d3542a419d6');
  });
});
