import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  escapeFilterValue,
  parseProbeOutput,
  parseProgressBlock,
  probe,
  resolveFfmpegPath,
  resolveFfprobePath,
  runFfmpeg,
} from '@vidgen/ffmpeg';

describe('pure helpers', () => {
  it('escapes filter option values at both filtergraph levels', () => {
    // The example from ffmpeg-filters(1), "Notes on filtergraph escaping".
    expect(escapeFilterValue("this is a 'string': may contain one, or more, special characters")).toBe(
      "this is a \\\\\\'string\\\\\\'\\\\: may contain one\\, or more\\, special characters",
    );
    expect(escapeFilterValue('/tmp/a[1];b')).toBe('/tmp/a\\[1\\]\\;b');
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

  it('encodes with progress and probes the result', async () => {
    const output = path.join(dir, 'clip.mp4');
    const seen: number[] = [];
    await runFfmpeg({
      ffmpegPath: resolveFfmpegPath(),
      args: ['-f', 'lavfi', '-i', 'testsrc=s=320x240:r=15:d=2', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-t', '2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-movflags', '+faststart', output],
      expectedDurationSeconds: 2,
      onProgress: (p) => seen.push(p.percentage ?? -1),
    });
    expect(seen[seen.length - 1]).toBe(100);
    const facts = await probe(output, { ffprobePath: resolveFfprobePath() });
    expect(facts.video).toMatchObject({ codec: 'h264', width: 320, height: 240, fps: 15, pix_fmt: 'yuv420p' });
    expect(facts.audio).toMatchObject({ codec: 'aac', channels: 2, sample_rate: 48000 });
    expect(facts.duration_seconds).toBeGreaterThan(1.9);
    expect(readFileSync(output).length).toBe(facts.size_bytes);
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
