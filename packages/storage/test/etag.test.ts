import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EtagHasher, isMd5Etag, isMultipartEtag, normalizeEtag, type MultipartEtagForm } from '@vidgen/storage';

const md5 = (b: Buffer) => createHash('md5').update(b).digest();

async function hashThrough(data: Buffer, partSize: number, chunk: number, form: MultipartEtagForm = 'either'): Promise<string[]> {
  const hasher = new EtagHasher(partSize, form);
  const pieces = Array.from({ length: Math.ceil(data.length / chunk) }, (_, i) => data.subarray(i * chunk, (i + 1) * chunk));
  await pipeline(Readable.from(pieces), hasher, async function* (src) {
    for await (const _ of src) void _;
  });
  return hasher.expectedEtags();
}

describe('EtagHasher', () => {
  it('computes the single-PUT and multipart ETags, whatever the chunking', async () => {
    const data = randomBytes(2500);
    const parts = [data.subarray(0, 1000), data.subarray(1000, 2000), data.subarray(2000)];
    const multipart = `${createHash('md5').update(Buffer.concat(parts.map(md5))).digest('hex')}-3`;
    for (const chunk of [7, 1000, 4096]) expect(await hashThrough(data, 1000, chunk)).toEqual([md5(data).toString('hex'), multipart]);
  });

  it('hashes only the form the store uses: the part MD5s or the whole', async () => {
    const data = randomBytes(2500);
    const [whole, multipart] = await hashThrough(data, 1000, 300);
    expect(await hashThrough(data, 1000, 300, 'parts')).toEqual([multipart]);
    expect(await hashThrough(data, 1000, 300, 'whole')).toEqual([whole]);
    // One part: the single PUT's ETag, the whole MD5, in every form.
    const small = randomBytes(900);
    for (const form of ['parts', 'whole', 'either'] as const) expect(await hashThrough(small, 1000, 64, form)).toEqual([md5(small).toString('hex')]);
    expect(await hashThrough(Buffer.alloc(0), 1000, 64, 'parts')).toEqual([md5(Buffer.alloc(0)).toString('hex')]);
    expect(isMultipartEtag('"9e107d9d372bb6826bd81d3542a419d6-12"')).toBe(true);
    expect(isMultipartEtag('"9e107d9d372bb6826bd81d3542a419d6"')).toBe(false);
  });

  it('gives only the plain MD5 for one part', async () => {
    const data = randomBytes(900);
    expect(await hashThrough(data, 1000, 64)).toEqual([md5(data).toString('hex')]);
  });

  it('recognizes MD5-shaped ETags only', () => {
    expect(isMd5Etag('"9e107d9d372bb6826bd81d3542a419d6"')).toBe(true);
    expect(isMd5Etag('"9e107d9d372bb6826bd81d3542a419d6-12"')).toBe(true);
    expect(isMd5Etag('"abc"')).toBe(false);
    expect(isMd5Etag(undefined)).toBe(false);
    expect(normalizeEtag('"9E107D9D372BB6826BD81D3542A419D6"')).toBe('9e107d9d372bb6826bd81d3542a419d6');
  });
});
