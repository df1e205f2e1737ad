import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { runFfmpeg } from '@vidgen/ffmpeg';
import { keyframeTimes, packageHls } from '@vidgen/pipeline';
import { childrenNamed, ffmpegPath, ffprobePath, processGroupAlive } from './helpers';

const ffprobeChildren = () => childrenNamed('ffprobe');

/** Polls /proc until ffprobe runs as a child of this process (no fixed sleeps). */
async function waitForFfprobe(settled: () => boolean): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  let pids: number[] = [];
  while (!settled() && pids.length === 0 && Date.now() < deadline) {
    pids = await ffprobeChildren();
    if (pids.length === 0) await new Promise((r) => setTimeout(r, 10));
  }
  return pids;
}

function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const p = promise.finally(() => {
    done = true;
  });
  p.catch(() => {});
  return { promise: p, settled: () => done };
}

describe('keyframe scan: abort and time limit', () => {
  let dir: string;
  /** A named pipe nobody writes to: ffprobe blocks opening it, so the scan runs until it is killed. */
  let fifo: string;
  let video: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-keyframes-test-'));
    fifo = path.join(dir, 'stuck.mp4');
    await promisify(execFile)('mkfifo', [fifo]);
    video = path.join(dir, 'small.mp4');
    await runFfmpeg({
      ffmpegPath,
      args: ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=10:duration=4', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '10', '-sc_threshold', '0', video],
    });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    expect(await ffprobeChildren()).toEqual([]);
  });

  it('still scans with a signal and a time limit that never fire', async () => {
    const controller = new AbortController();
    expect(await keyframeTimes(ffprobePath, video, { signal: controller.signal, timeoutMs: 30_000 })).toEqual([0, 1, 2, 3]);
  });

  it('an already aborted signal starts no ffprobe', async () => {
    const controller = new AbortController();
    controller.abort();
    const started = Date.now();
    await expect(keyframeTimes(ffprobePath, fifo, { signal: controller.signal })).rejects.toMatchObject({ code: 'JOB_CANCELLED', category: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await ffprobeChildren()).toEqual([]);
  });

  it('an abort mid-scan kills ffprobe and its process group, and rejects with JOB_CANCELLED', async () => {
    const controller = new AbortController();
    const scan = track(keyframeTimes(ffprobePath, fifo, { signal: controller.signal }));
    const pids = await waitForFfprobe(scan.settled);
    expect(pids).toHaveLength(1);
    const aborted = Date.now();
    controller.abort();
    await expect(scan.promise).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    expect(Date.now() - aborted).toBeLessThan(2000);
    expect(await ffprobeChildren()).toEqual([]);
    // ffprobe led its own process group (detached): nothing of it is left.
    expect(await processGroupAlive(pids[0]!)).toBe(false);
  });

  it('the time limit kills ffprobe and fails as RENDER_FAILED', async () => {
    const started = Date.now();
    const scan = track(keyframeTimes(ffprobePath, fifo, { timeoutMs: 300 }));
    const pids = await waitForFfprobe(scan.settled);
    expect(pids).toHaveLength(1);
    await expect(scan.promise).rejects.toMatchObject({ code: 'RENDER_FAILED', category: 'rendering', details: { timeout_ms: 300 } });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await processGroupAlive(pids[0]!)).toBe(false);
  });

  it('a missing ffprobe binary fails as RENDER_TOOL_UNAVAILABLE', async () => {
    await expect(keyframeTimes(path.join(dir, 'no-such-ffprobe'), video)).rejects.toMatchObject({ code: 'RENDER_TOOL_UNAVAILABLE' });
  });

  it('packageHls passes the job signal to the keyframe scan', async () => {
    const controller = new AbortController();
    const outDir = path.join(dir, 'hls-out');
    // medium encodes a lower rendition, so the ladder needs the keyframe times first.
    const run = track(packageHls({ ffmpegPath, ffprobePath, input: fifo, width: 1280, height: 720, quality: 'medium', durationSeconds: 4, sourceFps: 10, outDir, segmentSeconds: 2, signal: controller.signal }));
    const pids = await waitForFfprobe(run.settled);
    expect(pids).toHaveLength(1);
    controller.abort();
    await expect(run.promise).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    expect(await processGroupAlive(pids[0]!)).toBe(false);
  });
});
