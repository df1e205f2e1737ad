import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QUALITY_PRESETS } from '@vidgen/core';
import {
  buildTitleCardArgs,
  escapeFilterValue,
  fontPath,
  layoutTitleCard,
  limitLines,
  parseProbeOutput,
  parseProgressBlock,
  probe,
  resolveFfmpegPath,
  resolveFfprobePath,
  runFfmpeg,
  wrapText,
} from '@vidgen/ffmpeg';

describe('pure helpers', () => {
  it('escapes filter option values at both filtergraph levels', () => {
    // The example from ffmpeg-filters(1), "Notes on filtergraph escaping".
    expect(escapeFilterValue("this is a 'string': may contain one, or more, special characters")).toBe(
      "this is a \\\\\\'string\\\\\\'\\\\: may contain one\\, or more\\, special characters",
    );
    expect(escapeFilterValue('/tmp/a[1];b')).toBe('/tmp/a\\[1\\]\\;b');
  });

  it('wraps words, splits words longer than a line and keeps paragraphs', () => {
    expect(wrapText('the quick brown fox jumps', 10)).toEqual(['the quick', 'brown fox', 'jumps']);
    expect(wrapText('abcdefghijklmnop', 5)).toEqual(['abcde', 'fghij', 'klmno', 'p']);
    expect(wrapText('one\ntwo', 20)).toEqual(['one', 'two']);
    expect(limitLines(['a', 'b', 'c'], 2)).toEqual(['a', 'b…']);
    expect(limitLines(['a', 'b'], 2)).toEqual(['a', 'b']);
  });

  it('keeps the title-card text budget inside the 5% safe area at every quality', () => {
    for (const preset of Object.values(QUALITY_PRESETS)) {
      const layout = layoutTitleCard('W'.repeat(200), 'word '.repeat(1000), preset);
      expect(layout.titleLines.length).toBeLessThanOrEqual(3);
      const bottom = layout.bodyY + layout.bodyLines.length * (layout.bodyFontSize + layout.lineSpacing);
      expect(bottom).toBeLessThanOrEqual(preset.height * 0.95 + layout.lineSpacing);
      expect(layout.titleY).toBeGreaterThanOrEqual(preset.height * 0.05);
    }
  });

  it('passes text through files, never through the filter graph', () => {
    const layout = layoutTitleCard("evil'; drawtext=text=%{pts}", undefined, QUALITY_PRESETS.low);
    const args = buildTitleCardArgs({
      preset: QUALITY_PRESETS.low,
      durationSeconds: 2,
      layout,
      titleFile: '/tmp/t.txt',
      bodyFile: null,
      fontFile: '/f/a.ttf',
      boldFontFile: '/f/b.ttf',
      output: '/tmp/o.mp4',
    });
    const graph = args[args.indexOf('-filter_complex') + 1]!;
    expect(graph).toContain('textfile=/tmp/t.txt');
    expect(graph).toContain('expansion=none');
    expect(graph).not.toContain('evil');
    expect(args).toEqual(expect.arrayContaining(['-movflags', '+faststart', '-pix_fmt', 'yuv420p', '-c:v', 'libx264']));
  });

  it('parses -progress blocks, including ffmpeg 4.x microseconds under out_time_ms', () => {
    expect(parseProgressBlock(['frame=30', 'out_time_ms=2000000', 'progress=continue'], 4)).toEqual({ outTimeSeconds: 2, frame: 30, percentage: 50, done: false });
    expect(parseProgressBlock(['frame=60', 'out_time_us=4000000', 'progress=end'], 4)!.percentage).toBe(100);
    expect(parseProgressBlock(['frame=1'], 4)).toBeNull();
  });

  it('parses ffprobe JSON into a bounded record', () => {
    const r = parseProbeOutput({
      format: { format_name: 'mov,mp4', duration: '2.5', size: '1000', bit_rate: '3200', extra: 'dropped' },
      streams: [
        { codec_type: 'video', codec_name: 'h264', width: 854, height: 480, avg_frame_rate: '15/1', pix_fmt: 'yuv420p', tags: { rotate: '90' } },
        { codec_type: 'audio', codec_name: 'aac', channels: 2, sample_rate: '48000' },
      ],
    });
    expect(r).toEqual({
      format: 'mov,mp4',
      duration_seconds: 2.5,
      size_bytes: 1000,
      bit_rate: 3200,
      video: { codec: 'h264', width: 854, height: 480, fps: 15, pix_fmt: 'yuv420p', bit_rate: null, rotation: 90 },
      audio: { codec: 'aac', channels: 2, sample_rate: 48000, bit_rate: null },
    });
  });
});

describe('real ffmpeg and ffprobe', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vidgen-ffmpeg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders a title card with hostile text literally and reports progress', async () => {
    const preset = QUALITY_PRESETS.low;
    const topic = "It's 100%{pts}: [a];b, \\n 'quoted'";
    const layout = layoutTitleCard(topic, 'Body text; with: colons, and "quotes".', preset);
    const titleFile = path.join(dir, 'title.txt');
    const bodyFile = path.join(dir, 'body.txt');
    writeFileSync(titleFile, layout.titleLines.join('\n'));
    writeFileSync(bodyFile, layout.bodyLines.join('\n'));
    const output = path.join(dir, 'card.mp4');
    const seen: number[] = [];
    await runFfmpeg({
      ffmpegPath: resolveFfmpegPath(),
      args: buildTitleCardArgs({ preset, durationSeconds: 2, layout, titleFile, bodyFile, fontFile: fontPath('DejaVuSans.ttf'), boldFontFile: fontPath('DejaVuSans-Bold.ttf'), output }),
      expectedDurationSeconds: 2,
      onProgress: (p) => seen.push(p.percentage ?? -1),
    });
    expect(readFileSync(titleFile, 'utf8')).toBe(layout.titleLines.join('\n'));
    expect(seen[seen.length - 1]).toBe(100);
    const facts = await probe(output, { ffprobePath: resolveFfprobePath() });
    expect(facts.video).toMatchObject({ codec: 'h264', width: 854, height: 480, fps: 15, pix_fmt: 'yuv420p' });
    expect(facts.audio).toMatchObject({ codec: 'aac', channels: 2 });
    expect(facts.duration_seconds).toBeGreaterThan(1.9);
    // +faststart: the moov atom precedes mdat.
    const head = readFileSync(output).subarray(0, 4096).toString('latin1');
    expect(head.indexOf('moov')).toBeGreaterThan(-1);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat') === -1 ? Infinity : head.indexOf('mdat'));
  });

  it('maps an ffmpeg failure to RENDER_FAILED with the stderr tail', async () => {
    await expect(runFfmpeg({ ffmpegPath: resolveFfmpegPath(), args: ['-i', path.join(dir, 'missing.mp4'), path.join(dir, 'x.mp4')] })).rejects.toMatchObject({
      code: 'RENDER_FAILED',
      category: 'rendering',
      details: expect.objectContaining({ exit_code: 1, stderr_tail: expect.stringContaining('missing.mp4') }),
    });
  });

  it('kills ffmpeg when aborted', async () => {
    const controller = new AbortController();
    const run = runFfmpeg({ ffmpegPath: resolveFfmpegPath(), args: ['-f', 'lavfi', '-re', '-i', 'testsrc=d=60', '-f', 'null', '-'], signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(run).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    const left = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes('testsrc=d=60') && !l.includes('ps -eo'));
    expect(left).toEqual([]);
  });
});
