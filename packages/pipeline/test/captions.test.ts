import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  addSubtitlesToMaster,
  buildMasterPlaylist,
  buildSubtitleSegments,
  burnedCaptions,
  captionCues,
  createSynthesizer,
  hlsCopyArgs,
  mixAudio,
  MPEGTS_START_TICKS,
  parseMediaPlaylist,
  placeWords,
  subtitleMediaTag,
  wrapWords,
  type WordTiming,
} from '@vidgen/pipeline';
import { exec, ffmpegPath, ffprobePath } from './helpers';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-captions-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A deterministic stream of words of varied length, 0.3 s each with small gaps, sentences every 9 to 20 words. */
function wordStream(count: number): WordTiming[] {
  const words: WordTiming[] = [];
  let t = 0;
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  let inSentence = 0;
  for (let i = 0; i < count; i += 1) {
    const length = 1 + (next() % 12);
    inSentence += 1;
    const endsSentence = inSentence >= 9 + (next() % 12);
    if (endsSentence) inSentence = 0;
    const text = 'abcdefghijklmnopqrstuvwxyz'.slice(0, length) + (endsSentence ? '.' : '');
    words.push({ text, startSeconds: t, endSeconds: t + 0.3 });
    t += 0.32 + (endsSentence ? 0.5 : 0);
  }
  return words;
}

describe('captions from word timings (pure)', () => {
  it('wraps whole words into lines, cutting only a word longer than a line', () => {
    expect(wrapWords(['one', 'two', 'three'], 7)).toEqual(['one two', 'three']);
    expect(wrapWords(['abcdefghij', 'k'], 4)).toEqual(['abcd', 'efgh', 'ij k']);
  });

  it('keeps every cue within 2 lines of 42 characters and 7 s, words in order, none lost', () => {
    const words = wordStream(400);
    // A long run without sentence ends or pauses, so the size limits must do the cutting.
    const run = Array.from({ length: 60 }, (_, i) => ({ text: `word${i}`, startSeconds: 200 + i * 0.2, endSeconds: 200 + i * 0.2 + 0.19 }));
    const cues = captionCues([...words, ...run]);
    for (const cue of cues) {
      const lines = cue.text.split('\n');
      expect(lines.length).toBeLessThanOrEqual(2);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(42);
      expect(cue.endSeconds - cue.startSeconds).toBeLessThanOrEqual(7 + 1e-9);
      expect(cue.endSeconds).toBeGreaterThan(cue.startSeconds);
    }
    for (let i = 1; i < cues.length; i += 1) expect(cues[i]!.startSeconds).toBeGreaterThanOrEqual(cues[i - 1]!.endSeconds);
    expect(cues.map((c) => c.text.replace(/\n/g, ' ')).join(' ')).toBe([...words, ...run].map((w) => w.text).join(' '));
    // Cues start on a word's start.
    const starts = new Set([...words, ...run].map((w) => w.startSeconds));
    for (const cue of cues) expect(starts.has(cue.startSeconds)).toBe(true);
  });

  it('starts a new cue after a sentence end and after a pause; places clip words on the video timeline', () => {
    const words = placeWords([
      {
        startSeconds: 10,
        words: [
          { text: 'Hello', startSeconds: 0.1, endSeconds: 0.4 },
          { text: 'there.', startSeconds: 0.4, endSeconds: 0.8 },
          { text: 'After', startSeconds: 1.0, endSeconds: 1.3 },
          { text: 'a', startSeconds: 1.3, endSeconds: 1.4 },
          { text: 'pause', startSeconds: 2.0, endSeconds: 2.4 },
        ],
      },
    ]);
    expect(captionCues(words)).toEqual([
      { startSeconds: 10.1, endSeconds: 11, text: 'Hello there.' },
      { startSeconds: 11, endSeconds: 11.8, text: 'After a' },
      { startSeconds: 12, endSeconds: 12.8, text: 'pause' },
    ]);
  });

  it('burned captions: the sidecar’s cues and line breaks in frames, each word with the frame it is first heard', () => {
    const words = wordStream(400);
    const fps = 30;
    const total = Math.ceil(words[words.length - 1]!.endSeconds * fps) + 30;
    const burned = burnedCaptions(words, fps, total);
    const cues = captionCues(words);
    expect(burned).toHaveLength(cues.length);
    burned.forEach((c, i) => {
      expect(c.lines.map((l) => l.map((w) => w.text).join(' ')).join('\n')).toBe(cues[i]!.text);
      expect(c.startFrame).toBe(Math.round(cues[i]!.startSeconds * fps));
      if (i > 0) expect(c.startFrame).toBeGreaterThanOrEqual(burned[i - 1]!.endFrame);
      const starts = c.lines.flat().map((w) => w.startFrame);
      expect(starts).toEqual([...starts].sort((a, b) => a - b));
      for (const f of starts) expect(f >= c.startFrame && f < c.endFrame).toBe(true);
    });
    expect(burned.flatMap((c) => c.lines.flat()).length).toBe(words.length);
  });
});

describe('HLS subtitles (pure)', () => {
  it('segments WebVTT along the video segments with the timestamp map', () => {
    const cues = [
      { startSeconds: 1, endSeconds: 3, text: 'one' },
      { startSeconds: 5, endSeconds: 7, text: 'spans <two> & more' },
      { startSeconds: 9, endSeconds: 10, text: 'three' },
    ];
    const { playlist, files } = buildSubtitleSegments({ cues, segments: [{ durationSeconds: 6 }, { durationSeconds: 4.5 }] });
    expect(files.map((f) => f.name)).toEqual(['sub-00000.vtt', 'sub-00001.vtt']);
    expect(files[0]!.content).toBe('WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:180000,LOCAL:00:00:00.000\n\n1\n00:00:01.000 --> 00:00:03.000\none\n\n2\n00:00:05.000 --> 00:00:07.000\nspans &lt;two&gt; &amp; more\n');
    expect(files[1]!.content).toContain('00:00:05.000 --> 00:00:07.000');
    expect(files[1]!.content).toContain('00:00:09.000 --> 00:00:10.000\nthree');
    expect(files[1]!.content).not.toContain('one');
    expect(playlist).toBe('#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:6.000000,\nsub-00000.vtt\n#EXTINF:4.500000,\nsub-00001.vtt\n#EXT-X-ENDLIST\n');
  });

  it('adds the SUBTITLES rendition to a master playlist and refuses attribute breakers', () => {
    const master = buildMasterPlaylist([
      { uri: '360p/index.m3u8', bandwidth: 500000, averageBandwidth: 400000, width: 640, height: 360, fps: 30, codecs: ['avc1.64001e', 'mp4a.40.2'] },
      { uri: '720p/index.m3u8', bandwidth: 1500000, averageBandwidth: 1200000, width: 1280, height: 720, fps: 30, codecs: ['avc1.64001f', 'mp4a.40.2'] },
    ]);
    const withSubs = addSubtitlesToMaster(master, { uri: 'subtitles/index.m3u8' }).split('\n');
    expect(withSubs.slice(0, 4)).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:4',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="subtitles/index.m3u8"',
    ]);
    expect(withSubs.filter((l) => l.startsWith('#EXT-X-STREAM-INF:')).every((l) => l.endsWith(',SUBTITLES="subs"'))).toBe(true);
    expect(() => subtitleMediaTag({ uri: 'x.m3u8', name: 'a"b' })).toThrow(/quoted attribute/);
    expect(() => subtitleMediaTag({ uri: 'x\n.m3u8' })).toThrow(/quoted attribute/);
  });
});

describe('with real engines and ffmpeg', () => {
  it('cue starts are within ±100 ms of the speech onsets silencedetect finds on the narration-only track', async () => {
    const festival = createSynthesizer('festival');
    await writeFile(path.join(dir, 'one.txt'), 'Mountains rise where plates collide. Rivers carve the valleys. Wind wears the peaks down.');
    await writeFile(path.join(dir, 'two.txt'), 'Life adapts to every height. Even lichens grow near the summit.');
    const one = await festival.synthesize({ textFile: path.join(dir, 'one.txt'), wavFile: path.join(dir, 'one.wav') });
    const two = await festival.synthesize({ textFile: path.join(dir, 'two.txt'), wavFile: path.join(dir, 'two.wav') });
    const placed = [
      { startSeconds: 0.8, words: one.words, file: one.wavFile },
      { startSeconds: 0.8 + one.durationSeconds + 1.2, words: two.words, file: two.wavFile },
    ];
    const durationSeconds = placed[1]!.startSeconds + two.durationSeconds + 0.5;
    const track = path.join(dir, 'narration.wav');
    await mixAudio({ ffmpegPath, plan: { durationSeconds, speech: placed.map((p) => ({ file: p.file, startSeconds: p.startSeconds })) }, output: track, scratchDir: dir });

    // Onsets: where each silence of at least 150 ms ends, measured on the final track alone.
    const { stderr } = await exec(ffmpegPath, ['-hide_banner', '-nostats', '-i', track, '-af', 'silencedetect=noise=-45dB:d=0.15', '-f', 'null', '-']);
    const onsets = [...stderr.matchAll(/silence_end: (-?[\d.]+)/g)].map((m) => Number(m[1])).filter((t) => t < durationSeconds - 0.05);
    const cues = captionCues(placeWords(placed));
    expect(cues.length).toBeGreaterThanOrEqual(5);
    for (const cue of cues) {
      const nearest = Math.min(...onsets.map((o) => Math.abs(o - cue.startSeconds)));
      expect({ cue: cue.text, within100ms: nearest <= 0.1 }).toEqual({ cue: cue.text, within100ms: true });
    }
  });

  it('the timestamp map matches the TS timestamps of real HLS segments', async () => {
    const source = path.join(dir, 'src.mp4');
    await exec(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=s=160x120:r=30:d=5', '-f', 'lavfi', '-i', 'sine=d=5', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'aac', '-shortest', '-y', source]);
    const hls = path.join(dir, 'hls');
    await mkdir(hls);
    await exec(ffmpegPath, ['-hide_banner', '-loglevel', 'error', ...hlsCopyArgs(source, { playlistPath: path.join(hls, 'index.m3u8'), segmentPattern: path.join(hls, 'seg-%05d.ts'), segmentSeconds: 2 })]);
    const segments = parseMediaPlaylist(await readFile(path.join(hls, 'index.m3u8'), 'utf8'));
    expect(segments.length).toBeGreaterThanOrEqual(2);
    const { stdout } = await exec(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type,start_pts', '-of', 'json', path.join(hls, segments[0]!.uri)]);
    const streams = JSON.parse(String(stdout)).streams as Array<{ codec_type: string; start_pts: number }>;
    // Media time 0 is the video's first frame (the audio starts earlier by the AAC encoder's priming: 1024 samples, 2090 ticks at 44.1 kHz).
    expect(streams.find((s) => s.codec_type === 'video')!.start_pts).toBe(MPEGTS_START_TICKS);
    expect(streams.find((s) => s.codec_type === 'audio')!.start_pts).toBe(MPEGTS_START_TICKS - 2090);
    const { files } = buildSubtitleSegments({ cues: [{ startSeconds: 0.5, endSeconds: 1.5, text: 'hi' }], segments });
    expect(files).toHaveLength(segments.length);
    expect(files[0]!.content.split('\n')[1]).toBe(`X-TIMESTAMP-MAP=MPEGTS:${MPEGTS_START_TICKS},LOCAL:00:00:00.000`);
  });
});
