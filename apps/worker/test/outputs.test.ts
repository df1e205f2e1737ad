import { planOutputs } from '@vidgen/jobs';

const thumbnails = {
  poster: { path: '/s/poster.jpg', width: 854, height: 480, sizeBytes: 1 },
  thumbnails: [1, 2].map((i) => ({ path: `/s/thumb-00${i}.jpg`, width: 320, height: 180, sizeBytes: 1, atSeconds: i * 2 - 1 })),
  sprite: { path: '/s/sprite.jpg', width: 1280, height: 90, sizeBytes: 1 },
  storyboardPath: '/s/storyboard.vtt',
};
const hls = { masterPath: '/s/hls/master.m3u8', variants: [{ label: '480p', width: 854, height: 480, fps: 15, playlistPath: '/s/hls/480p/index.m3u8', segmentPaths: ['/s/hls/480p/seg-00000.ts', '/s/hls/480p/seg-00001.ts'], iFramesPath: '/s/hls/480p/iframes.m3u8', codecs: ['avc1.64001e', 'mp4a.40.2'] }], subtitles: null };
const subtitles = { label: 'subs', playlistPath: '/s/hls/subs/index.m3u8', segmentPaths: ['/s/hls/subs/sub-00000.vtt'] };

describe('planOutputs', () => {
  it('maps every file to the key layout, the video first and the master last', () => {
    const out = planOutputs({ formats: ['mp4', 'hls'], videoPath: '/s/video.mp4', width: 854, height: 480, subtitlesPath: '/s/subtitles.vtt', thumbnails, hls });
    expect(out.map((o) => [o.kind, o.output])).toEqual([
      ['video', 'video.mp4'],
      ['subtitles', 'subtitles.vtt'],
      ['poster', 'poster.jpg'],
      ['thumbnail', 'thumbnails/thumb-001.jpg'],
      ['thumbnail', 'thumbnails/thumb-002.jpg'],
      ['sprite', 'sprite.jpg'],
      ['storyboard', 'storyboard.vtt'],
      ['hls_segment', 'hls/480p/seg-00000.ts'],
      ['hls_segment', 'hls/480p/seg-00001.ts'],
      ['hls_playlist', 'hls/480p/index.m3u8'],
      ['hls_playlist', 'hls/480p/iframes.m3u8'],
      ['hls_master', 'hls/master.m3u8'],
    ]);
    expect(out.find((o) => o.kind === 'hls_segment')).toMatchObject({ rendition: '480p', contentType: 'video/mp2t' });
    // The facts the stills were made with travel in the plan (issue 16): times as taken, the I-frame playlist flagged.
    expect(out.filter((o) => o.kind === 'thumbnail').map((o) => o.time_seconds)).toEqual([1, 3]);
    expect(out.filter((o) => o.kind === 'hls_playlist').map((o) => [o.output, o.i_frames])).toEqual([
      ['hls/480p/index.m3u8', undefined],
      ['hls/480p/iframes.m3u8', true],
    ]);
  });

  it('uploads the subtitles rendition (WebVTT segments, then its playlist) before the master that names it', () => {
    const out = planOutputs({ formats: ['hls'], videoPath: '/v', width: 1, height: 1, subtitlesPath: '/s/subtitles.vtt', thumbnails: null, hls: { ...hls, subtitles } });
    expect(out.slice(-3).map((o) => [o.kind, o.output, o.contentType, o.rendition])).toEqual([
      ['hls_segment', 'hls/subs/sub-00000.vtt', 'text/vtt', 'subs'],
      ['hls_playlist', 'hls/subs/index.m3u8', 'application/vnd.apple.mpegurl', 'subs'],
      ['hls_master', 'hls/master.m3u8', 'application/vnd.apple.mpegurl', undefined],
    ]);
  });

  it('leaves the MP4 out for formats ["hls"], and HLS out for ["mp4"]', () => {
    const hlsOnly = planOutputs({ formats: ['hls'], videoPath: '/v', width: 1, height: 1, subtitlesPath: null, thumbnails: null, hls });
    expect(hlsOnly.some((o) => o.kind === 'video')).toBe(false);
    const mp4Only = planOutputs({ formats: ['mp4'], videoPath: '/v', width: 1, height: 1, subtitlesPath: null, thumbnails: null, hls: null });
    expect(mp4Only.map((o) => o.kind)).toEqual(['video']);
  });
});
