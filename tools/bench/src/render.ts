/**
 * pnpm bench:render — the reference job (fixtures/reference-job.json: 6 scenes × 5 s,
 * medium, dark, no narration) through the real pipeline, against a baseline of one
 * bare ffmpeg process with the same binary and encoder settings (colour source of the
 * same size/rate/30 s, one drawtext line, silent AAC, +faststart). Medians of 3.
 *
 * The pipeline runs in a child Node process (`--child`) that reports its own peak RSS
 * (process.resourceUsage().maxRSS) and the peak VmHWM of its ffmpeg children, sampled
 * from /proc every 20 ms (a sample can miss a process shorter than that; the largest
 * per-process peak and the largest sampled sum of concurrent peaks are reported).
 * The child warms the integrator (fonts, layout) before timing, as a worker does at boot.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QUALITY_PRESETS, type JobRecord } from '@vidgen/core';
import { resolveFfmpegPath, runFfmpeg } from '@vidgen/ffmpeg';
import { PipelineIntegrator, audioEncoderArgs, encoderSettingsFor, videoEncoderArgs } from '@vidgen/pipeline';

const RUNS = 3;
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'reference-job.json');

interface ChildReport {
  wall_ms: number;
  video_seconds: number;
  node_max_rss_mb: number;
  ffmpeg_peak_rss_mb: number;
  ffmpeg_peak_concurrent_rss_mb: number;
  scene_concurrency: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

interface FixtureScene {
  layout: string;
  title?: string;
  text?: string;
  items?: string[];
  value?: number;
  prefix?: string;
  suffix?: string;
  label?: string;
  chart?: { labels: string[]; values: number[]; unit?: string };
  duration_seconds: number;
}

/** The drawtext renderer draws only title + text: each scene's texts flattened into its text. */
function flatten(scene: FixtureScene): { title?: string; text: string; duration_seconds: number } {
  const lines = [scene.text, ...(scene.items ?? [])];
  if (scene.value !== undefined) lines.push(`${scene.prefix ?? ''}${scene.value}${scene.suffix ?? ''} ${scene.label ?? ''}`);
  if (scene.chart) lines.push(...scene.chart.labels.map((l, i) => `${l}: ${scene.chart!.values[i]} ${scene.chart!.unit ?? ''}`));
  const text = lines.filter(Boolean).join('\n');
  return { title: scene.title, text: text || scene.title || '', duration_seconds: scene.duration_seconds };
}

function fixtureJob(): JobRecord {
  const raw = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { configuration: JobRecord['configuration'] & { scenes: FixtureScene[] } };
  const fixture = { configuration: { ...raw.configuration, scenes: raw.configuration.scenes.map(flatten) } };
  const now = new Date().toISOString();
  return {
    job_id: `bench-${process.pid}`,
    owner: 'bench',
    correlation_id: 'bench',
    status: 'processing',
    progress: { percentage: 0, stage: 'queued' },
    configuration: fixture.configuration,
    attempt: 1,
    created_at: now,
    updated_at: now,
    started_at: now,
    completed_at: null,
    error: null,
    result: null,
  };
}

/** VmHWM (peak RSS) in kB of each child process (the pipeline's ffmpegs), via /proc/self/task/<tid>/children: cheap enough to poll. */
async function ffmpegChildrenHwm(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const tid of await readdir('/proc/self/task')) {
    let children = '';
    try {
      children = await readFile(`/proc/self/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const pid of children.split(' ').filter(Boolean)) {
      try {
        const status = await readFile(`/proc/${pid}/status`, 'utf8');
        if (!/^Name:\s+ffmpeg$/m.test(status)) continue;
        const hwm = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status)?.[1];
        if (hwm) out.set(Number(pid), Number(hwm));
      } catch {
        /* exited meanwhile */
      }
    }
  }
  return out;
}

async function child(): Promise<void> {
  const peaks = new Map<number, number>();
  let peakConcurrent = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const now = await ffmpegChildrenHwm();
      let sum = 0;
      for (const [pid, kb] of now) {
        peaks.set(pid, Math.max(peaks.get(pid) ?? 0, kb));
        sum += kb;
      }
      peakConcurrent = Math.max(peakConcurrent, sum);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const scratchBaseDir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-bench-'));
  const integrator = new PipelineIntegrator({ ffmpegPath: resolveFfmpegPath(process.env.FFMPEG_PATH), scratchBaseDir });
  const job = fixtureJob();
  const config = integrator.prepare(job);
  // A worker is long-lived: fonts are loaded and the layout code is warm before its jobs arrive.
  integrator.warmUp();
  const started = process.hrtime.bigint();
  const result = await integrator.run(job);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  polling = false;
  await poll;
  const keep = process.argv[process.argv.indexOf('--child') + 1];
  if (keep && !keep.startsWith('--')) await copyFile(result.videoPath, keep);
  await result.cleanup();
  await rm(scratchBaseDir, { recursive: true, force: true });
  const report: ChildReport = {
    wall_ms: wallMs,
    video_seconds: result.durationSeconds,
    node_max_rss_mb: process.resourceUsage().maxRSS / 1024,
    ffmpeg_peak_rss_mb: Math.max(0, ...peaks.values()) / 1024,
    ffmpeg_peak_concurrent_rss_mb: peakConcurrent / 1024,
    scene_concurrency: config.sceneConcurrency,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runChild(keep: string | null): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [__filename, '--child', ...(keep ? [keep] : [])], { maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`bench child failed: ${stderr || err.message}`));
      const line = stdout.trim().split('\n').pop() ?? '';
      resolve(JSON.parse(line) as ChildReport);
    });
  });
}

/** The baseline: one bare ffmpeg decoding the finished reference MP4 and encoding the very same frames again with the same encoder, preset and CRF. */
async function baseline(ffmpegPath: string, reference: string, dir: string): Promise<number> {
  const preset = QUALITY_PRESETS.medium;
  const encoder = encoderSettingsFor(preset);
  const out = path.join(dir, 'baseline.mp4');
  const args = ['-i', reference, '-map', '0:v', '-map', '0:a', ...videoEncoderArgs(encoder, preset.fps), ...audioEncoderArgs(encoder), '-movflags', '+faststart', out];
  const started = process.hrtime.bigint();
  await runFfmpeg({ ffmpegPath, args });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  const ffmpegPath = resolveFfmpegPath(process.env.FFMPEG_PATH);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-bench-baseline-'));
  try {
    const baselineMs: number[] = [];
    const reports: ChildReport[] = [];
    // Interleaved so drift in machine load affects both sides alike.
    const reference = path.join(dir, 'reference.mp4');
    for (let i = 0; i < RUNS; i++) {
      reports.push(await runChild(i === 0 ? reference : null));
      baselineMs.push(await baseline(ffmpegPath, reference, dir));
    }
    const pipelineMs = median(reports.map((r) => r.wall_ms));
    const base = median(baselineMs);
    const videoSeconds = reports[0]?.video_seconds ?? 0;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'render',
        job: '6 scenes x 5 s, medium 1280x720@30, dark, no narration (drawtext: texts flattened)',
        load_avg_1m: round(os.loadavg()[0] ?? 0, 2),
        runs: RUNS,
        pipeline_wall_ms: round(pipelineMs, 0),
        baseline_wall_ms: round(base, 0),
        ratio: round(pipelineMs / base),
        video_seconds: videoSeconds,
        video_seconds_per_wall_second: round(videoSeconds / (pipelineMs / 1000), 2),
        scene_concurrency: reports[0]?.scene_concurrency ?? null,
        node_peak_rss_mb: round(Math.max(...reports.map((r) => r.node_max_rss_mb)), 1),
        ffmpeg_child_peak_rss_mb: round(Math.max(...reports.map((r) => r.ffmpeg_peak_rss_mb)), 1),
        ffmpeg_children_peak_concurrent_rss_mb: round(Math.max(...reports.map((r) => r.ffmpeg_peak_concurrent_rss_mb)), 1),
        rss_method: 'node: child process.resourceUsage().maxRSS; ffmpeg: /proc/<pid>/status VmHWM of ffmpeg children sampled every 20 ms',
        timing: 'pipeline: integrator.run() in a warmed child Node process; baseline: one ffmpeg re-encoding the reference MP4 (decode + encode, same encoder, preset, CRF), spawn to exit',
        targets: { ratio_max: 1.25, node_rss_mb_max: 300 },
      })}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child')) {
  child().catch((err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
}
