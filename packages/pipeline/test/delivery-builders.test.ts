import { buildIFramePlaylist, buildMasterPlaylist, codecString, hlsCopyArgs, hlsEncodeArgs, iFrameBandwidth, measureBandwidth, parseKeyframeTimes, parseMediaPlaylist, parseSegmentPackets, rungFps, rungSize, segmentStarts, withHlsVersion, posterTime, renditionLadder, scaledHeight, spriteArgs, spritePlan, storyboardVtt, thumbnailTimes, framesArgs } from '@vidgen/pipeline';

describe('thumbnail planning', () => {
  it('spaces N thumbnails at slice centres and keeps the aspect ratio with an even height', () => {
    expect(thumbnailTimes(10, 5)).toEqual([1, 3, 5, 7, 9]);
    expect(scaledHeight(854, 480, 320)).toBe(180);
    expect(scaledHeight(1920, 1080, 200)).toBe(112);
    expect(posterTime(30)).toBe(3);
    expect(posterTime(0.05)).toBe(0);
  });

  it('plans one tile per second up to 100 tiles, in rows of 10', () => {
    expect(spritePlan({ durationSeconds: 8, srcWidth: 854, srcHeight: 480 })).toEqual({ intervalSeconds: 1, count: 8, columns: 8, rows: 1, tileWidth: 160, tileHeight: 90 });
    expect(spritePlan({ durationSeconds: 250, srcWidth: 1280, srcHeight: 720 })).toEqual({ intervalSeconds: 3, count: 84, columns: 10, rows: 9, tileWidth: 160, tileHeight: 90 });
  });

  it('writes a storyboard with one #xywh cue per tile, the last one ending at the video end', () => {
    const plan = spritePlan({ durationSeconds: 12.5, srcWidth: 1280, srcHeight: 720 });
    const vtt = storyboardVtt(plan, 12.5, 'sprite.jpg');
    const cues = vtt.trim().split('\n\n').filter((c) => c.includes('-->'));
    expect(cues).toHaveLength(13);
    expect(cues[0]).toBe('00:00:00.000 --> 00:00:01.000\nsprite.jpg#xywh=0,0,160,90');
    expect(cues[11]).toBe('00:00:11.000 --> 00:00:12.000\nsprite.jpg#xywh=160,90,160,90');
    expect(cues[12]).toBe('00:00:12.000 --> 00:00:12.500\nsprite.jpg#xywh=320,90,160,90');
  });

  it('builds one ffmpeg run with an input seek per frame, and the tiled sprite filter', () => {
    const args = framesArgs({ input: 'in.mp4', frames: [{ atSeconds: 1, width: 320, height: 180, output: 'a.jpg' }, { atSeconds: 2.5, width: 320, height: 180, output: 'b.jpg' }] });
    expect(args.slice(0, 8)).toEqual(['-ss', '1.000', '-i', 'in.mp4', '-ss', '2.500', '-i', 'in.mp4']);
    expect(args).toContain('1:v:0');
    expect(args.at(-1)).toBe('b.jpg');
    const sprite = spriteArgs('in.mp4', spritePlan({ durationSeconds: 8, srcWidth: 854, srcHeight: 480 }), 's.jpg');
    expect(sprite).toContain('fps=1/1:round=down,scale=160:90,tile=8x1');
  });
});

describe('HLS', () => {
  it('ladders up to the job quality, reusing the top encode', () => {
    expect(renditionLadder('low').map((r) => [r.label, r.reuseSource])).toEqual([['480p', true]]);
    expect(renditionLadder('ultra').map((r) => [r.label, r.reuseSource])).toEqual([
      ['480p', false],
      ['720p', false],
      ['1080p', false],
      ['2160p', true],
    ]);
  });

  it('sizes the lower rungs in the source aspect with even sides and square pixels', () => {
    // 854x480 is not 16:9 (scaling 1280x720 to it needed SAR 1280:1281); 864x486 is, exactly.
    expect(rungSize({ width: 1280, height: 720 }, { width: 854, height: 480 })).toEqual({ width: 864, height: 486 });
    expect(rungSize({ width: 720, height: 1280 }, { width: 854, height: 480 })).toEqual({ width: 486, height: 864 });
    expect(rungSize({ width: 720, height: 720 }, { width: 854, height: 480 })).toEqual({ width: 480, height: 480 });
    expect(rungSize({ width: 3840, height: 2160 }, { width: 1280, height: 720 })).toEqual({ width: 1280, height: 720 });
    expect(rungSize({ width: 1080, height: 1920 }, { width: 1280, height: 720 })).toEqual({ width: 720, height: 1280 });
    // No exact size near 480 for 1282x720: even sides, the aspect within a pixel.
    expect(rungSize({ width: 1282, height: 720 }, { width: 854, height: 480 })).toEqual({ width: 854, height: 480 });
    // Never upscaled.
    expect(rungSize({ width: 640, height: 360 }, { width: 854, height: 480 })).toEqual({ width: 640, height: 360 });
    for (const [w, h] of [[1280, 720], [720, 1280], [720, 720], [1920, 1080], [1080, 1920], [1080, 1080], [3840, 2160], [2160, 3840], [2160, 2160]] as const) {
      for (const r of renditionLadder('ultra', { width: w, height: h }).filter((x) => x.width <= w)) {
        expect([r.width % 2, r.height % 2]).toEqual([0, 0]);
        if (!r.reuseSource) expect(r.width * h).toBe(r.height * w);
      }
    }
    expect(renditionLadder('medium', { width: 720, height: 1280 }).map((r) => [r.label, r.width, r.height])).toEqual([
      ['480p', 486, 864],
      ['720p', 720, 1280],
    ]);
  });

  it('cuts segments where the muxer would, and keeps a lower frame rate only when every start is on its grid', () => {
    expect(segmentStarts([0, 2, 4, 6], 2)).toEqual([0, 2, 4, 6]);
    // Keyframes at scene starts and GOP ends: the first at or past each multiple, one cut per keyframe.
    expect(segmentStarts([0, 1.5, 2.033, 3.5, 4.7, 7.9, 8.1], 2)).toEqual([0, 2.033, 4.7, 7.9, 8.1]);
    expect(segmentStarts([], 2)).toEqual([0]);
    expect(rungFps(15, 30, [0, 2, 4.2])).toBe(15);
    expect(rungFps(15, 30, [0, 2.033])).toBe(30);
    expect(rungFps(30, 60, [0, 2.017])).toBe(60);
    expect(rungFps(30, 24, [0, 2.042])).toBe(24);
  });

  it('copies the top rendition and forces keyframes at the segment starts only on the others', () => {
    const out = { playlistPath: 'hls/480p/index.m3u8', segmentPattern: 'hls/480p/seg-%05d.ts', segmentSeconds: 6 };
    const copy = hlsCopyArgs('v.mp4', out);
    expect(copy).toEqual(expect.arrayContaining(['-c', 'copy', '-hls_time', '6', '-hls_playlist_type', 'vod', '-output_ts_offset', '0.6']));
    const [r480] = renditionLadder('high', { width: 1920, height: 1080 });
    const enc = hlsEncodeArgs('v.mp4', r480!, { segmentStarts: [0, 2, 4.5], fps: 15, durationSeconds: 9 }, out);
    // By frame number at 15 fps.
    expect(enc[enc.indexOf('-force_key_frames') + 1]).toBe('expr:eq(n,0)+eq(n,30)+eq(n,68)');
    expect(enc[enc.indexOf('-vf') + 1]).toBe('fps=15,scale=864:486,setsar=1');
    // x264's own interval is past the end: no keyframe but the forced ones.
    expect(enc[enc.indexOf('-g') + 1]).toBe('150');
    expect(enc).toEqual(expect.arrayContaining(['-output_ts_offset', '0.6']));
    expect(enc.at(-1)).toBe('hls/480p/index.m3u8');
  });

  it('writes CODECS strings, I-frame playlists and one EXT-X-VERSION', () => {
    expect(codecString({ codecName: 'h264', profile: 'High', level: 31 })).toBe('avc1.64001f');
    expect(codecString({ codecName: 'h264', profile: 'Main', level: 40 })).toBe('avc1.4d4028');
    expect(codecString({ codecName: 'h264', profile: 'Constrained Baseline', level: 30 })).toBe('avc1.42e01e');
    expect(codecString({ codecName: 'aac', profile: 'LC' })).toBe('mp4a.40.2');
    expect(() => codecString({ codecName: 'h264', profile: 'High' })).toThrow(/level/);
    expect(() => codecString({ codecName: 'vp9' })).toThrow(/vp9/);
    const entries = [
      { uri: 'seg-00000.ts', durationSeconds: 2, offset: 0, length: 20000 },
      { uri: 'seg-00001.ts', durationSeconds: 1.5, offset: 0, length: 30000 },
    ];
    expect(buildIFramePlaylist(entries)).toBe(
      '#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-I-FRAMES-ONLY\n' +
        '#EXTINF:2.000000,\n#EXT-X-BYTERANGE:20000@0\nseg-00000.ts\n#EXTINF:1.500000,\n#EXT-X-BYTERANGE:30000@0\nseg-00001.ts\n#EXT-X-ENDLIST\n',
    );
    expect(iFrameBandwidth(entries)).toBe(160000);
    expect(withHlsVersion('#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n')).toBe('#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:2\n');
    expect(withHlsVersion('#EXTM3U\n#EXT-X-TARGETDURATION:2\n')).toBe('#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:2\n');
    expect(parseSegmentPackets('{"packets":[{"pts_time":"2.000000","pos":"376","flags":"K_"},{"pts_time":"2.066667","pos":"9776","flags":"__"}]}')).toEqual([
      { ptsSeconds: 2, pos: 376, key: true },
      { ptsSeconds: 2.066667, pos: 9776, key: false },
    ]);
  });

  it('parses media playlists, keyframe lists, and measures bandwidth', () => {
    const text = '#EXTM3U\n#EXT-X-TARGETDURATION:7\n#EXTINF:6.000000,\nseg-00000.ts\n#EXTINF:2.5,\nseg-00001.ts\n#EXT-X-ENDLIST\n';
    expect(parseMediaPlaylist(text)).toEqual([
      { uri: 'seg-00000.ts', durationSeconds: 6 },
      { uri: 'seg-00001.ts', durationSeconds: 2.5 },
    ]);
    expect(parseKeyframeTimes('0.000000\n2.000000,\n\nN/A\n2.0000001\n1.5\n')).toEqual([0, 1.5, 2]);
    expect(measureBandwidth([{ durationSeconds: 6, bytes: 600000 }, { durationSeconds: 2, bytes: 400000 }])).toEqual({ peak: 1600000, average: 1000000 });
  });

  it('writes the master playlist lowest first', () => {
    const text = buildMasterPlaylist([
      { uri: '480p/index.m3u8', bandwidth: 900000, averageBandwidth: 700000, width: 864, height: 486, fps: 15, codecs: ['avc1.64001e', 'mp4a.40.2'], iFrames: { uri: '480p/iframes.m3u8', bandwidth: 90000 } },
      { uri: '720p/index.m3u8', bandwidth: 2000000, averageBandwidth: 1500000, width: 1280, height: 720, fps: 30, codecs: ['avc1.64001f', 'mp4a.40.2'], iFrames: { uri: '720p/iframes.m3u8', bandwidth: 200000 } },
    ]);
    expect(text).toBe(
      '#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-INDEPENDENT-SEGMENTS\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=700000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=864x486,FRAME-RATE=15.000\n480p/index.m3u8\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=1500000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720,FRAME-RATE=30.000\n720p/index.m3u8\n' +
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=90000,CODECS="avc1.64001e",RESOLUTION=864x486,URI="480p/iframes.m3u8"\n' +
        '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=200000,CODECS="avc1.64001f",RESOLUTION=1280x720,URI="720p/iframes.m3u8"\n',
    );
  });
});
