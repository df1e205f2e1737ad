import aws4 from 'aws4';
import { createS3Client, createUrlSigner, cdnUrl, safeFileName, MAX_SIGNED_URL_TTL_SECONDS } from '@vidgen/storage';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const client = createS3Client({ endpoint: 'https://media.example.com:9000', region: 'eu-west-1', credentials, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 1 });
afterAll(() => client.destroy());

/** Re-signs the URL's request with aws4 (an independent SigV4 implementation) and returns both signatures. */
function resign(url: string, secret = credentials.secretAccessKey): { given: string; expected: string } {
  const u = new URL(url);
  const given = u.searchParams.get('X-Amz-Signature')!;
  u.searchParams.delete('X-Amz-Signature');
  const signed = aws4.sign({ host: u.host, path: `${u.pathname}${u.search}`, method: 'GET', service: 's3', region: 'eu-west-1', signQuery: true }, { accessKeyId: credentials.accessKeyId, secretAccessKey: secret });
  const expected = new URL(`https://${u.host}${signed.path}`).searchParams.get('X-Amz-Signature')!;
  return { given, expected };
}

describe('signed URLs', () => {
  it('carry a valid SigV4 signature for the public endpoint, the key and the TTL', async () => {
    const { url, expiresAt } = await createUrlSigner({ client, bucket: 'vids', ttlSeconds: 3600 }).url('videos/acme/job-1/video.mp4');
    const u = new URL(url);
    expect(u.host).toBe('media.example.com:9000');
    expect(u.pathname).toBe('/vids/videos/acme/job-1/video.mp4');
    expect(u.searchParams.get('X-Amz-Expires')).toBe('3600');
    expect(u.searchParams.get('X-Amz-Credential')).toMatch(/^AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/);
    expect(Math.abs(expiresAt!.getTime() - (Date.now() + 3600_000))).toBeLessThan(60_000);
    const { given, expected } = resign(url);
    expect(given).toMatch(/^[0-9a-f]{64}$/);
    expect(given).toBe(expected);
  });

  it('a tampered URL no longer matches its signature', async () => {
    const { url } = await createUrlSigner({ client, bucket: 'vids', ttlSeconds: 3600 }).url('videos/acme/job-1/video.mp4');
    const longer = url.replace('X-Amz-Expires=3600', 'X-Amz-Expires=7200');
    const otherKey = url.replace('video.mp4', 'subtitles.vtt');
    for (const t of [longer, otherKey]) {
      const { given, expected } = resign(t);
      expect(given).not.toBe(expected);
    }
    expect(resign(url, 'another-secret').expected).not.toBe(resign(url).given);
  });

  it('the download variant signs Content-Disposition: attachment with a safe file name', async () => {
    const { url } = await createUrlSigner({ client, bucket: 'vids', ttlSeconds: 600 }).url('videos/acme/job-1/video.mp4', { downloadName: 'Why "the" sky/is\\blue?.mp4' });
    const disposition = new URL(url).searchParams.get('response-content-disposition');
    expect(disposition).toBe('attachment; filename="Why-the-skyisblue.mp4"');
    const { given, expected } = resign(url);
    expect(given).toBe(expected);
    expect(safeFileName('../../etc/passwd')).toBe('....etcpasswd');
  });

  it('never signs for longer than 7 days', async () => {
    const { url } = await createUrlSigner({ client, bucket: 'vids', ttlSeconds: 30 * 24 * 3600 }).url('k');
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe(String(MAX_SIGNED_URL_TTL_SECONDS));
  });

  it('CDN mode returns plain URLs', async () => {
    const out = await createUrlSigner({ client, bucket: 'vids', ttlSeconds: 600, cdnBaseUrl: 'https://cdn.example.com/v/' }).url('videos/a b/x.mp4');
    expect(out).toEqual({ url: 'https://cdn.example.com/v/videos/a%20b/x.mp4', expiresAt: null });
    expect(cdnUrl('https://cdn.example.com', 'k/1.ts')).toBe('https://cdn.example.com/k/1.ts');
  });

  describe('the cache of URLs signed as of a given date', () => {
    const key = 'videos/acme/job-1/video.mp4';
    const at = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));
    const later = new Date(at.getTime() + 1800_000);

    it('hands out the URL signed once per key, download name and date, equal to a fresh signature', async () => {
      const signer = createUrlSigner({ client, bucket: 'vids', ttlSeconds: 3600 });
      const uncached = createUrlSigner({ client, bucket: 'vids', ttlSeconds: 3600, cacheEntries: 0 });
      const first = await signer.url(key, { signingDate: at });
      expect(await signer.url(key, { signingDate: at })).toBe(first);
      expect(await uncached.url(key, { signingDate: at })).toEqual(first);
      expect(first.expiresAt!.getTime()).toBe(at.getTime() + 3600_000);
      expect(resign(first.url).given).toBe(resign(first.url).expected);
      const download = await signer.url(key, { signingDate: at, downloadName: 'x.mp4' });
      expect(download.url).not.toBe(first.url);
      expect(await signer.url(key, { signingDate: at, downloadName: 'x.mp4' })).toBe(download);
      const other = await signer.url('videos/acme/job-1/poster.jpg', { signingDate: at });
      expect(other.url).toContain('/poster.jpg?');
    });

    it('a new date signs again; dates older than the two newest are signed, not kept', async () => {
      const signer = createUrlSigner({ client, bucket: 'vids', ttlSeconds: 3600 });
      const uncached = createUrlSigner({ client, bucket: 'vids', ttlSeconds: 3600, cacheEntries: 0 });
      const a = await signer.url(key, { signingDate: at });
      const b = await signer.url(key, { signingDate: later });
      expect(b.url).not.toBe(a.url);
      expect(b).toEqual(await uncached.url(key, { signingDate: later }));
      // Both windows are kept (a request may straddle the boundary).
      expect(await signer.url(key, { signingDate: at })).toBe(a);
      const newest = new Date(later.getTime() + 1800_000);
      await signer.url(key, { signingDate: newest });
      const old = await signer.url(key, { signingDate: at });
      expect(old).not.toBe(a);
      expect(old).toEqual(a);
      expect(await signer.url(key, { signingDate: at })).not.toBe(old);
    });

    it('keeps at most cacheEntries URLs, and signs anew without a date', async () => {
      const signer = createUrlSigner({ client, bucket: 'vids', ttlSeconds: 3600, cacheEntries: 2 });
      const k1 = await signer.url('k1', { signingDate: at });
      await signer.url('k2', { signingDate: at });
      await signer.url('k3', { signingDate: at });
      const again = await signer.url('k1', { signingDate: at });
      expect(again).not.toBe(k1);
      expect(again).toEqual(k1);
      const now1 = await signer.url(key);
      const now2 = await signer.url(key);
      expect(now2).not.toBe(now1);
    });
  });
});
