import { execFile } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import type { JobConfiguration, JobRecord } from '@vidgen/core';
import { resolveFfmpegPath, resolveFfprobePath } from '@vidgen/ffmpeg';

export const ffmpegPath = resolveFfmpegPath(process.env.FFMPEG_PATH);
export const ffprobePath = resolveFfprobePath(process.env.FFPROBE_PATH);

let seq = 0;
export function makeJob(configuration: Partial<JobConfiguration> & { topic?: string }): JobRecord {
  const now = new Date().toISOString();
  seq += 1;
  return {
    job_id: `test-${process.pid}-${seq}`,
    owner: 'owner',
    correlation_id: `corr-${seq}`,
    status: 'processing',
    progress: { percentage: 0, stage: 'queued' },
    configuration: { topic: 'Topic', quality: 'low', ...configuration } as JobConfiguration,
    attempt: 1,
    created_at: now,
    updated_at: now,
    started_at: now,
    completed_at: null,
    error: null,
    result: null,
  };
}

export function exec(file: string, args: string[], encoding: 'buffer' | 'utf8' = 'utf8'): Promise<{ stdout: Buffer | string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: encoding === 'buffer' ? 'buffer' : 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} failed: ${String(stderr)}`));
      else resolve({ stdout, stderr: String(stderr) });
    });
  });
}

/** One frame at `seconds` as 8-bit gray, row-major width × height. */
export async function grayFrame(video: string, seconds: number, width: number, height: number): Promise<Buffer> {
  const { stdout } = await exec(ffmpegPath, ['-v', 'error', '-ss', String(seconds), '-i', video, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], 'buffer');
  const buf = stdout as Buffer;
  if (buf.length !== width * height) throw new Error(`expected ${width * height} bytes, got ${buf.length}`);
  return buf;
}

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Bounding box of pixels whose gray level differs from the frame's corner pixel by more than `threshold`. */
export function contentBox(gray: Buffer, width: number, height: number, threshold = 40): Box | null {
  const background = gray[0] ?? 0;
  let box: Box | null = null;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (Math.abs((gray[y * width + x] ?? 0) - background) <= threshold) continue;
      if (!box) box = { left: x, top: y, right: x, bottom: y };
      else {
        box.left = Math.min(box.left, x);
        box.right = Math.max(box.right, x);
        box.top = Math.min(box.top, y);
        box.bottom = Math.max(box.bottom, y);
      }
    }
  }
  return box;
}

export async function pngFrame(video: string, seconds: number, out: string): Promise<void> {
  await exec(ffmpegPath, ['-v', 'error', '-y', '-ss', String(seconds), '-i', video, '-frames:v', '1', out]);
}

/** Tesseract's text of a PNG; page segmentation 6 (one block) by default, 3 (automatic) for lines of mixed sizes. */
export async function ocr(png: string, psm: '3' | '6' = '6'): Promise<string> {
  const { stdout } = await exec('tesseract', [png, 'stdout', '--psm', psm]);
  return String(stdout);
}

/** Pids of live processes called `name` whose parent is this process. */
export async function childrenNamed(name: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, 'utf8');
      if (status.match(/^Name:\s+(.*)$/m)?.[1] === name && new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status)) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

/** Pids of live ffmpeg processes whose parent is this process. */
export function ffmpegChildren(): Promise<number[]> {
  return childrenNamed('ffmpeg');
}

/** Whether any process (zombie or not) is still in the process group `pgid`. */
export async function processGroupAlive(pgid: number): Promise<boolean> {
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid) return true;
    } catch {
      /* gone */
    }
  }
  return false;
}

/** Top-level MP4 box types in file order (faststart puts moov before mdat). */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const data = await readFile(file);
  const boxes: string[] = [];
  let offset = 0;
  while (offset + 8 <= data.length) {
    let size = data.readUInt32BE(offset);
    const type = data.toString('ascii', offset + 4, offset + 8);
    if (size === 1) size = Number(data.readBigUInt64BE(offset + 8));
    if (size < 8) break;
    boxes.push(type);
    offset += size;
  }
  return boxes;
}

/** The streams of a media file as ffprobe lists them: [codec name, codec type, duration in seconds]. */
export async function streamsOf(ffprobePath: string, file: string): Promise<Array<[string, string, number]>> {
  const { stdout } = await exec(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,duration', '-of', 'csv=p=0', file]);
  return String(stdout)
    .trim()
    .split('\n')
    .map((l) => l.split(','))
    .map(([name, type, duration]) => [name!, type!, Number(duration)]);
}
