import { chmod, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveFfmpegPath } from '@vidgen/ffmpeg';
import { JobProgressTracker } from '@vidgen/progress';
import { enqueueJob, type JobStore, type VideoQueue } from '@vidgen/queue';
import { waitFor } from '@vidgen/testing';
import { listProcesses, type ProcessInfo } from '../../src/janitor';

/**
 * An ffmpeg that renders scenes slowly: it adds -re before every rawvideo or
 * lavfi input (the painted frames piped into each render unit, the silent
 * track), so a job stays in rendering_scenes for seconds while using little
 * CPU. Other ffmpeg runs (thumbnails, HLS) are untouched.
 */
export async function writeRealTimeFfmpeg(dir: string): Promise<string> {
  const file = path.join(dir, 'ffmpeg-realtime');
  const script = `#!/bin/sh
slow=""
for a in "$@"; do
  shift
  case "$a" in lavfi|rawvideo) slow=1 ;; esac
  if [ "$a" = "-i" ] && [ -n "$slow" ]; then set -- "$@" -re; slow=""; fi
  set -- "$@" "$a"
done
exec "${resolveFfmpegPath()}" "$@"
`;
  await writeFile(file, script);
  await chmod(file, 0o755);
  return file;
}

/** A storyboard job that is cheap but long enough to interrupt: low quality, one scene at a time. */
export function longJob(scenes: number, seconds: number): Record<string, unknown> {
  return {
    topic: 'Resilience',
    quality: 'low',
    subtitles: false,
    narration: false,
    formats: ['mp4'],
    max_scene_concurrency: 1,
    scenes: Array.from({ length: scenes }, (_, i) => ({ text: `Scene ${i + 1}`, duration_seconds: seconds })),
  };
}

export async function submitJob(store: JobStore, queue: VideoQueue, jobId: string, configuration: Record<string, unknown>, attempts = 3): Promise<void> {
  await store.create({ job_id: jobId, owner: 'tester', correlation_id: `corr-${jobId}`, configuration: configuration as never, created_at: new Date().toISOString() });
  await enqueueJob(queue, { job_id: jobId, correlation_id: `corr-${jobId}` }, { attempts, backoffMs: 100 });
}

/** Waits until the job's current run reports `stage`. */
export async function waitForStage(tracker: JobProgressTracker, jobId: string, stage: string, timeoutMs = 30000): Promise<void> {
  await waitFor(async () => (await tracker.getSnapshot(jobId))?.stage ?? null, (s) => s === stage, { timeoutMs, intervalMs: 50, what: `job ${jobId} in ${stage}` });
}

/** Processes (ffmpeg, or the wrapper) working on files under `dir`, read from /proc. */
export async function processesUnder(dir: string): Promise<ProcessInfo[]> {
  return (await listProcesses()).filter((p) => p.argv.some((a) => a.includes(dir)) || (p.cwd !== null && p.cwd.startsWith(dir)));
}

/**
 * Job scratch dirs left in a scratch base dir (missing dir: none): the entries
 * inside each worker process's own dir (`worker-<pid>-<start>/<job dir>`), and
 * any other entry. A running worker's own dir with nothing in it is not listed.
 */
export async function scratchEntries(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!/^worker-\d+-\d+$/.test(name)) out.push(name);
    else out.push(...(await readdir(path.join(dir, name)).catch(() => [] as string[])).map((inner) => `${name}/${inner}`));
  }
  return out;
}

