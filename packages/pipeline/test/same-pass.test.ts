import { buildRungAssembleArgs, buildUnitEncodeArgs, encoderSettingsFor, forceKeyframesExpression, samePassLadder } from '../src';
import { QUALITY_PRESETS } from '@vidgen/core';

describe('lower rungs in the render pass: pure planning', () => {
  it('puts keyframes at every multiple of the segment length and keeps each rung at its preset rate when everything is on its grid', () => {
    const ladder = samePassLadder({ quality: 'high', width: 1920, height: 1080, fps: 60, totalFrames: 1800, unitStarts: [0, 900], segmentSeconds: 6 });
    expect(ladder.keyframes).toEqual([0, 360, 720, 1080, 1440]);
    expect(ladder.rungs.map((r) => [r.label, r.width, r.height, r.fps])).toEqual([
      ['480p', 864, 486, 15],
      ['720p', 1280, 720, 30],
    ]);
  });

  it.each([
    [720, 1280, [486, 864]],
    [720, 720, [480, 480]],
  ] as const)('sizes the rung of a %ix%i job with square pixels in its aspect', (width, height, lower) => {
    const [rung] = samePassLadder({ quality: 'medium', width, height, fps: 30, totalFrames: 300, unitStarts: [0, 150], segmentSeconds: 6 }).rungs;
    expect([rung!.width, rung!.height, rung!.fps]).toEqual([...lower, 15]);
  });

  it('falls back to the source rate for a rung whose grid misses a unit start', () => {
    // A unit starting at frame 151 of 30 fps is not on the 15 fps grid.
    const ladder = samePassLadder({ quality: 'medium', width: 1280, height: 720, fps: 30, totalFrames: 300, unitStarts: [0, 151], segmentSeconds: 2 });
    expect(ladder.rungs.map((r) => [r.label, r.fps])).toEqual([['480p', 30]]);
    expect(samePassLadder({ quality: 'low', width: 854, height: 480, fps: 15, totalFrames: 300, unitStarts: [0], segmentSeconds: 6 }).rungs).toEqual([]);
  });

  it('splits one unit encode into the top clip and each rung, keyframes on each output frame grid', () => {
    const encoder = encoderSettingsFor(QUALITY_PRESETS.medium);
    const args = buildUnitEncodeArgs({
      width: 1280, height: 720, fps: 30, pixelFormat: 'bgr24', runs: [[0, 10]], unitFrames: 120, encoder, threads: 1, output: '/s/unit-000.mp4',
      keyframes: [0, 60], rungs: [{ width: 864, height: 486, fps: 15, encoder: encoderSettingsFor(QUALITY_PRESETS.low), output: '/s/unit-000-480p.mp4' }],
    });
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toMatch(/^\[0:v\]format=yuv420p,setpts=.*,fps=fps=30,split=2\[top\]\[r0\];\[r0\]fps=fps=15,scale=864:486,setsar=1\[o0\]$/);
    const top = args.slice(args.indexOf('[top]') - 1, args.indexOf('/s/unit-000.mp4') + 1);
    expect(top).toEqual(expect.arrayContaining(['-frames:v', '120', '-force_key_frames', 'expr:eq(n,0)+eq(n,60)']));
    const rung = args.slice(args.indexOf('[o0]') - 1);
    expect(rung).toEqual(['-map', '[o0]', '-frames:v', '60', '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28', '-pix_fmt', 'yuv420p', '-threads', '1', '-force_key_frames', 'expr:eq(n,0)+eq(n,30)', '-sc_threshold', '0', '-g', '61', '/s/unit-000-480p.mp4']);
    // Without rungs: the single-output form of before.
    expect(buildUnitEncodeArgs({ width: 64, height: 36, fps: 30, pixelFormat: 'bgr24', runs: [[0, 1]], unitFrames: 9, encoder, output: '/s/u.mp4' })).toContain('-filter:v');
    expect(forceKeyframesExpression([0, 0, 30])).toBe('expr:eq(n,0)+eq(n,30)');
  });

  it('joins a rung by stream copy with the top MP4 audio (an intermediate file: no faststart rewrite)', () => {
    expect(buildRungAssembleArgs({ listFile: '/s/l.txt', video: '/s/video.mp4', totalSeconds: 10, output: '/s/r.mp4' })).toEqual(['-f', 'concat', '-safe', '0', '-i', '/s/l.txt', '-i', '/s/video.mp4', '-map', '0:v', '-map', '1:a', '-c', 'copy', '-t', '10.000000', '/s/r.mp4']);
  });
});
