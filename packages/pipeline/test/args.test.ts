import { QUALITY_PRESETS } from '@vidgen/core';
import {
  SCENE_CONCURRENCY_CAP,
  UnitProgress,
  buildConcatArgs,
  buildSceneClipArgs,
  buildSilentVideoArgs,
  buildWebVtt,
  concatListContent,
  effectiveSceneConcurrency,
  encoderSettingsFor,
  fadeSeconds,
  formatVttTimestamp,
  groupScenes,
  silentGroupCount,
  wavDurationSeconds,
} from '../src';

const encoder = encoderSettingsFor(QUALITY_PRESETS.medium);
const base = {
  width: 1280,
  height: 720,
  fps: 30,
  durationSeconds: 4,
  encoder,
  background: '0x101826',
  textColor: '0xF5F7FA',
  accentColor: '0x5EC8F2',
  lines: [{ textFile: '/scratch/scene-000-line-000.txt', fontFile: '/fonts/DejaVu Sans:Bold.ttf', sizePx: 58, x: 100, baseline: 200 }],
  rule: { x: 512, y: 300, w: 256, h: 4 },
  narrationFile: null,
  output: '/scratch/scene-000.mp4',
};

describe('scene clip arguments (pure)', () => {
  it('draws text only from files with expansion=none, escaping our own paths', () => {
    const args = buildSceneClipArgs(base);
    const graph = args[args.indexOf('-filter_complex') + 1] ?? '';
    expect(graph).toContain('textfile=/scratch/scene-000-line-000.txt:expansion=none');
    expect(graph).toContain('fontfile=/fonts/DejaVu Sans\\\\:Bold.ttf');
    expect(graph).toContain('y=200-ascent');
    expect(graph).toContain(`loop=loop=119:size=1:start=0`);
    expect(graph).not.toMatch(/\btext=/);
  });

  it('encodes with the shared settings, a silent stereo track and the given threads', () => {
    const args = buildSceneClipArgs({ ...base, threads: 1 });
    expect(args).toEqual(expect.arrayContaining(['anullsrc=r=48000:cl=stereo', '-c:v', 'libx264', '-crf', '23', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ac', '2']));
    expect(args.slice(args.indexOf('-threads'), args.indexOf('-threads') + 2)).toEqual(['-threads', '1']);
    expect(args[args.length - 1]).toBe('/scratch/scene-000.mp4');
  });

  it('mixes narration padded to the scene length', () => {
    const args = buildSceneClipArgs({ ...base, narrationFile: '/scratch/n.wav' });
    expect(args.slice(0, 8)).toContain('/scratch/n.wav');
    expect(args[args.indexOf('-filter_complex') + 1]).toContain('[1:a]aresample=48000,aformat=channel_layouts=stereo,apad[a]');
    expect(args).not.toContain('anullsrc=r=48000:cl=stereo');
  });

  it('draws the text once on a single source frame, fades in, and fades out only when asked (last scene)', () => {
    const graphOf = (a: string[]) => a[a.indexOf('-filter_complex') + 1] ?? '';
    const middle = buildSceneClipArgs(base);
    expect(middle).toContain('color=c=0x101826:s=1280x720:r=30:d=0.033333');
    expect(graphOf(middle)).toContain('fade=t=in:st=0:d=0.4');
    expect(graphOf(middle)).not.toContain('fade=t=out');
    expect(graphOf(buildSceneClipArgs({ ...base, fadeOut: true }))).toContain('fade=t=out:st=3.600:d=0.4');
  });

  it('keeps fades short on short scenes', () => {
    expect(fadeSeconds(10)).toBe(0.4);
    expect(fadeSeconds(1)).toBe(0.25);
  });
});

describe('silent video arguments and groups (pure)', () => {
  const scene = (n: number, seconds: number, fadeOut = false) => ({
    durationSeconds: seconds,
    lines: [{ textFile: `/scratch/scene-00${n}-line-000.txt`, fontFile: '/fonts/DejaVuSans.ttf', sizePx: 36, x: 10, baseline: 50 }],
    rule: null,
    fadeOut,
  });
  const silent = { width: 1280, height: 720, fps: 30, encoder, background: '0x101826', textColor: '0xF5F7FA', accentColor: '0x5EC8F2', output: '/scratch/part-000.mp4' };

  it('renders several scenes in one encode: one single-frame input each, joined by the concat filter', () => {
    const args = buildSilentVideoArgs({ ...silent, scenes: [scene(0, 2), scene(1, 3, true)] });
    const graph = args[args.indexOf('-filter_complex') + 1] ?? '';
    expect(args.filter((a) => a === 'color=c=0x101826:s=1280x720:r=30:d=0.033333')).toHaveLength(2);
    expect(graph).toContain('[0:v]trim=end_frame=1,drawtext=fontfile=/fonts/DejaVuSans.ttf:textfile=/scratch/scene-000-line-000.txt:expansion=none');
    expect(graph).toContain('loop=loop=59:size=1:start=0');
    expect(graph).toContain('loop=loop=89:size=1:start=0');
    expect(graph).toContain('[v0][v1]concat=n=2:v=1:a=0[v]');
    expect(graph.match(/fade=t=out/g)).toHaveLength(1);
    expect(args.slice(args.indexOf('-map'), args.indexOf('-map') + 4)).toEqual(['-map', '[v]', '-map', '2:a']);
    expect(args[args.indexOf('-t') + 1]).toBe('5.000000');
    expect(args).not.toContain('-threads');
    expect(buildSilentVideoArgs({ ...silent, scenes: [scene(0, 2)], threads: 1 })).toEqual(expect.arrayContaining(['-threads', '1']));
    expect(() => buildSilentVideoArgs({ ...silent, scenes: [] })).toThrow();
  });

  it('uses one process for a short video and up to the concurrency for a long one', () => {
    expect(silentGroupCount(19.9, 6, 2)).toBe(1);
    expect(silentGroupCount(30, 6, 2)).toBe(2);
    expect(silentGroupCount(600, 6, 4)).toBe(4);
    expect(silentGroupCount(600, 3, 8)).toBe(3);
    expect(silentGroupCount(600, 6, 1)).toBe(1);
  });

  it('splits scenes into consecutive, non-empty groups of about equal frames', () => {
    expect(groupScenes([150, 150, 150, 150, 150, 150], 2)).toEqual([[0, 1, 2], [3, 4, 5]]);
    expect(groupScenes([900, 30, 30, 30], 2)).toEqual([[0], [1, 2, 3]]);
    expect(groupScenes([30, 30, 30, 900], 2)).toEqual([[0, 1, 2], [3]]);
    expect(groupScenes([1000, 1, 1], 3)).toEqual([[0], [1], [2]]);
    expect(groupScenes([5, 5], 4)).toEqual([[0], [1]]);
    expect(groupScenes([5, 5, 5], 1)).toEqual([[0, 1, 2]]);
  });
});

describe('concat (pure)', () => {
  it('quotes list entries and cuts each clip at its video length', () => {
    expect(concatListContent([{ path: '/a/b.mp4', durationSeconds: 2 }, { path: "/it's/c.mp4", durationSeconds: 1 / 3 }])).toBe(
      "file '/a/b.mp4'\noutpoint 2.000000\nfile '/it'\\''s/c.mp4'\noutpoint 0.333333\n",
    );
  });
  it('stream-copies into an MP4 with +faststart', () => {
    expect(buildConcatArgs({ listFile: '/l.txt', output: '/o.mp4' })).toEqual(['-f', 'concat', '-safe', '0', '-i', '/l.txt', '-map', '0:v', '-map', '0:a', '-c', 'copy', '-movflags', '+faststart', '/o.mp4']);
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
  it('aggregates frames across parallel scenes, monotonic and clamped', () => {
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
