import { buildMasterPlaylist, hlsCopyArgs, hlsEncodeArgs, measureBandwidth, parseKeyframeTimes, parseMediaPlaylist, posterTime, renditionLadder, scaledHeight, spriteArgs, spritePlan, storyboardVtt, thumbnailTimes, framesArgs } from '@vidgen/pipeline';

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

  it('copies the top rendition and forces the source keyframes on the others', () => {
    const out = { playlistPath: 'hls/480p/index.m3u8', segmentPattern: 'hls/480p/seg-%05d.ts', segmentSeconds: 6 };
    const copy = hlsCopyArgs('v.mp4', out);
    expect(copy).toEqual(expect.arrayContaining(['-c', 'copy', '-hls_time', '6', '-hls_playlist_type', 'vod']));
    const [r480] = renditionLadder('high');
    const enc = hlsEncodeArgs('v.mp4', r480!, [0, 2, 4.5], 60, out);
    expect(enc[enc.indexOf('-force_key_frames') + 1]).toBe('0.000,2.000,4.500');
    expect(enc[enc.indexOf('-vf') + 1]).toBe('scale=854:480');
    expect(enc[enc.indexOf('-r') + 1]).toBe('15');
    expect(enc.at(-1)).toBe('hls/480p/index.m3u8');
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
      { uri: '480p/index.m3u8', bandwidth: 900000, averageBandwidth: 700000, width: 854, height: 480, fps: 15 },
      { uri: '720p/index.m3u8', bandwidth: 2000000, averageBandwidth: 1500000, width: 1280, height: 720, fps: 30 },
    ]);
    expect(text).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=700000,RESOLUTION=854x480,FRAME-RATE=15.000\n480p/index.m3u8\n' +
        '#EXT-X-STREAM-INF:BANDWIDTH=2000000,AVERAGE-BANDWIDTH=1500000,RESOLUTION=1280x720,FRAME-RATE=30.000\n720p/index.m3u8\n',
    );
  });
});
