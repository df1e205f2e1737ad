import { QUALITY_PRESETS } from '@vidgen/core';
import {
  SCENE_CONCURRENCY_CAP,
  UnitProgress,
  buildAssembleArgs,
  buildAudioTrackArgs,
  buildWebVtt,
  concatListContent,
  effectiveSceneConcurrency,
  encoderSettingsFor,
  formatVttTimestamp,
  sceneTextLines,
  wavDurationSeconds,
} from '../src';

const encoder = encoderSettingsFor(QUALITY_PRESETS.medium);

describe('assembling (pure)', () => {
  it('quotes list entries and cuts each clip at its video length', () => {
    expect(concatListContent([{ path: '/a/b.mp4', durationSeconds: 2 }, { path: "/it's/c.mp4", durationSeconds: 1 / 3 }])).toBe(
      "file '/a/b.mp4'\noutpoint 2.000000\nfile '/it'\\''s/c.mp4'\noutpoint 0.333333\n",
    );
  });

  it('stream-copies the video and encodes one silent AAC track cut to the video, +faststart', () => {
    expect(buildAssembleArgs({ listFile: '/l.txt', encoder, totalSeconds: 6, output: '/o.mp4' })).toEqual([
      '-f', 'concat', '-safe', '0', '-i', '/l.txt', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo',
      '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000',
      '-t', '6.000000', '-movflags', '+faststart', '/o.mp4',
    ]);
  });

  it('the mixed track: one WAV input encoded once, the video still a stream copy', () => {
    expect(buildAssembleArgs({ listFile: '/l.txt', encoder, totalSeconds: 10 / 3, audio: '/s/audio.wav', output: '/o.mp4' })).toEqual([
      '-f', 'concat', '-safe', '0', '-i', '/l.txt', '-i', '/s/audio.wav',
      '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000',
      '-t', '3.333333', '-movflags', '+faststart', '/o.mp4',
    ]);
  });

  it('the audio track encoded beside the units (silence or the mixed WAV), then copied by the join', () => {
    expect(buildAudioTrackArgs({ encoder, totalSeconds: 6, output: '/s/a.m4a' })).toEqual([
      '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-map', '0:a', '-vn', '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000', '-t', '6.000000', '/s/a.m4a',
    ]);
    expect(buildAudioTrackArgs({ encoder, totalSeconds: 10 / 3, audio: '/s/audio.wav', output: '/s/a.m4a' }).slice(0, 2)).toEqual(['-i', '/s/audio.wav']);
    expect(buildAssembleArgs({ listFile: '/l.txt', encoder, totalSeconds: 6, audio: '/s/audio.wav', audioTrack: '/s/a.m4a', output: '/o.mp4' })).toEqual([
      '-f', 'concat', '-safe', '0', '-i', '/l.txt', '-i', '/s/a.m4a', '-map', '0:v', '-map', '1:a', '-c', 'copy', '-t', '6.000000', '-movflags', '+faststart', '/o.mp4',
    ]);
  });
});

describe('scene text (pure)', () => {
  it('flattens what a scene shows, in reading order, for narration and subtitles', () => {
    expect(sceneTextLines({ title: 'Efficiency', value: 22.5, suffix: '%', label: 'of sunlight' })).toEqual(['Efficiency', '22.5%', 'of sunlight']);
    expect(sceneTextLines({ title: 'Parts', items: ['Cells ', 'Glass'] })).toEqual(['Parts', 'Cells', 'Glass']);
    expect(sceneTextLines({ chart: { type: 'bar', labels: ['Noon', '4 pm'], values: [4.2, 1], unit: 'kW' } })).toEqual(['Noon: 4.2 kW', '4 pm: 1 kW']);
    expect(sceneTextLines({ left: { heading: 'Old', items: ['a'] }, right: { heading: 'New', items: ['b'] } })).toEqual(['Old', 'a', 'New', 'b']);
    expect(sceneTextLines({ quote: 'To be', attribution: 'Hamlet' })).toEqual(['To be', 'Hamlet']);
  });
});

describe('WebVTT (pure)', () => {
  it('formats timestamps', () => {
    expect(formatVttTimestamp(3723.4567)).toBe('01:02:03.457');
  });
  it('escapes markup, arrows and blank lines in cue text', () => {
    const vtt = buildWebVtt([
      { startSeconds: 0, endSeconds: 2.5, text: 'Title\n\n<b>a</b> & b --> c' },
      { startSeconds: 2.5, endSeconds: 4, text: '   ' },
      { startSeconds: 4, endSeconds: 5, text: 'Last' },
    ]);
    expect(vtt).toBe('WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.500\nTitle\n&lt;b&gt;a&lt;/b&gt; &amp; b --&gt; c\n\n2\n00:00:04.000 --> 00:00:05.000\nLast\n');
  });
});

describe('WAV duration (pure)', () => {
  const wav = (dataBytes: number, declared = dataBytes) => {
    const h = Buffer.alloc(44);
    h.write('RIFF', 0, 'ascii');
    h.write('WAVE', 8, 'ascii');
    h.write('fmt ', 12, 'ascii');
    h.writeUInt32LE(16, 16);
    h.writeUInt32LE(22050 * 2, 28); // byte rate at offset 12+16
    h.write('data', 36, 'ascii');
    h.writeUInt32LE(declared, 40);
    return h;
  };
  it('reads byte rate and data size', () => {
    expect(wavDurationSeconds(wav(44100), 44 + 44100)).toBeCloseTo(1, 6);
  });
  it('trusts the file size when the header size is a placeholder', () => {
    expect(wavDurationSeconds(wav(0, 0x7fffffff), 44 + 22050)).toBeCloseTo(0.5, 6);
  });
  it('rejects non-WAV input', () => {
    expect(() => wavDurationSeconds(Buffer.from('not a wav file at all'), 21)).toThrow('RIFF');
  });
});

describe('progress and concurrency (pure)', () => {
  it('aggregates frames across parallel units, monotonic and clamped', () => {
    const p = new UnitProgress([100, 300]);
    expect(p.update(1, 150)).toBe(37.5);
    expect(p.update(1, 100)).toBe(37.5);
    expect(p.update(0, 1000)).toBe(62.5);
    expect(p.complete(1)).toBe(100);
  });

  it('caps scene concurrency by request, quality and cores', () => {
    expect(effectiveSceneConcurrency({ quality: 'low', cores: 16 })).toBe(SCENE_CONCURRENCY_CAP.low);
    expect(effectiveSceneConcurrency({ quality: 'medium', cores: 2 })).toBe(2);
    expect(effectiveSceneConcurrency({ requested: 8, quality: 'ultra', cores: 16 })).toBe(1);
    expect(effectiveSceneConcurrency({ requested: 1, quality: 'low', cores: 16 })).toBe(1);
  });
});
