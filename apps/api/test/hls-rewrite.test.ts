import { isPlainRelativeUri, rewritePlaylist, rewriteStoryboard } from '../src/hls-rewrite';
import { allowedOrigin } from '../src/middleware/cors';
import { createEventTokens } from '@vidgen/jobs';

describe('rewritePlaylist', () => {
  it('rewrites URI lines and URI attributes, and keeps tags', async () => {
    const text = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:6.0,\nseg-00000.ts\n\n#EXT-X-ENDLIST';
    const out = await rewritePlaylist(text, async (u) => `https://s3/${u}?sig=1`);
    expect(out).toBe('#EXTM3U\n#EXT-X-MAP:URI="https://s3/init.mp4?sig=1"\n#EXTINF:6.0,\nhttps://s3/seg-00000.ts?sig=1\n\n#EXT-X-ENDLIST');
  });

  it('accepts only plain relative URIs', () => {
    expect(isPlainRelativeUri('seg-00001.ts')).toBe(true);
    expect(isPlainRelativeUri('480p/index.m3u8')).toBe(true);
    expect(isPlainRelativeUri('subs/index.m3u8')).toBe(true);
    expect(isPlainRelativeUri('seg-00001.vtt')).toBe(true);
    for (const bad of ['../x.ts', '/abs.ts', 'http://evil/x.ts', 'a/b/c.ts', 'x.sh', 'segavtt', 'x.vtt.sh']) expect(isPlainRelativeUri(bad)).toBe(false);
  });

  it('rewrites the sprite references of a storyboard and keeps timings and fragments', async () => {
    const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nsprite.jpg#xywh=0,0,160,90\n\n00:00:01.000 --> 00:00:02.000\nsprite.jpg#xywh=160,0,160,90\n';
    const seen: string[] = [];
    const out = await rewriteStoryboard(vtt, (u) => {
      seen.push(u);
      return `https://s3/v/${u}?X-Amz-Signature=ab`;
    });
    expect(out).toBe(
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nhttps://s3/v/sprite.jpg?X-Amz-Signature=ab#xywh=0,0,160,90\n\n00:00:01.000 --> 00:00:02.000\nhttps://s3/v/sprite.jpg?X-Amz-Signature=ab#xywh=160,0,160,90\n',
    );
    expect(seen).toEqual(['sprite.jpg', 'sprite.jpg']);
    // Anything but a plain image name (a path, an absolute URL) is left for the mapper never to see.
    expect(await rewriteStoryboard('WEBVTT\n\n../x.jpg#xywh=0,0,1,1\nhttp://evil/x.jpg', () => 'no')).toBe('WEBVTT\n\n../x.jpg#xywh=0,0,1,1\nhttp://evil/x.jpg');
  });

  it('allows configured origins only', () => {
    expect(allowedOrigin(['*'], 'https://a')).toBe('*');
    expect(allowedOrigin(['https://a'], 'https://a')).toBe('https://a');
    expect(allowedOrigin(['https://a'], 'https://b')).toBeNull();
    expect(allowedOrigin(['https://a'], undefined)).toBeNull();
  });
});

describe('scoped tokens', () => {
  it('an hls token opens no event stream and vice versa; expiry is enforced', () => {
    let now = 1_000_000_000_000;
    const events = createEventTokens({ secret: 'k'.repeat(40), ttlSeconds: 60, clock: () => now });
    const hls = createEventTokens({ secret: 'k'.repeat(40), ttlSeconds: 60, clock: () => now, scope: 'hls' });
    const job = '11111111-1111-4111-8111-111111111111';
    const t = hls.mint(job, 'o');
    expect(hls.verify(t, job)).toEqual({ ok: true, owner: 'o' });
    expect(events.verify(t, job)).toEqual({ ok: false, reason: 'signature' });
    expect(hls.verify(events.mint(job, 'o'), job)).toEqual({ ok: false, reason: 'signature' });
    now += 61_000;
    expect(hls.verify(t, job)).toEqual({ ok: false, reason: 'expired' });
  });
});
