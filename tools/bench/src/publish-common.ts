import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { QUALITY_PRESETS, type Quality, type StageName } from '@vidgen/core';
import { runFfmpeg } from '@vidgen/ffmpeg';
import { audioEncoderArgs, encoderSettingsFor, renditionLadder } from '@vidgen/pipeline';
import { cpuSeconds } from './reference-job';

/** The stages a publish goes through after the submit, in registry order. */
export const TIMED_STAGES: readonly StageName[] = ['queued', 'planning', 'rendering_scenes', 'combining', 'generating_thumbnails', 'encoding_renditions', 'extracting_metadata', 'uploading', 'finalizing'];

/** One publish of the reference job, however it was driven (the whole system, or --in-process). */
export interface PublishRun {
  wall_ms: number;
  video_seconds: number;
  /** user+sys of the process that ran the job (the worker) and its children (ffmpeg, ffprobe). */
  cpu_s: number;
  /** Each stage's wall time. */
  stages_ms: Partial<Record<StageName, number>>;
  /** The CPU seconds spent while each stage was the job's (the worker and its children). */
  stages_cpu_s: Partial<Record<StageName, number>>;
  /** Of stages_cpu_s, the worker's own threads (painting, the event loop); the rest is its children (ffmpeg, ffprobe). */
  stages_node_cpu_s?: Partial<Record<StageName, number>>;
  /** The other processes' CPU during the job (the API; the embedded S3 server when it runs in the bench). */
  other_cpu_s: Record<string, number>;
  objects: number;
  bytes: number;
  progress_monotonic: boolean;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
export const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

/**
 * ffmpeg arguments of the baseline: the reference MP4 decoded once, split into
 * every rung of the job's ladder, each encoded with its own preset's settings
 * (the top at the MP4's own), audio encoded into each. Numbers only.
 */
function ladderBaselineArgs(reference: string, quality: Quality, size: { width: number; height: number }, outDir: string): string[] {
  const ladder = renditionLadder(quality, size);
  const sourceFps = QUALITY_PRESETS[quality].fps;
  const labels = ladder.map((_, i) => `v${i}`);
  const branches = ladder.map((r, i) => (r.reuseSource ? `[s${i}]null[v${i}]` : `[s${i}]fps=${Math.min(r.preset.fps, sourceFps)},scale=${r.width}:${r.height},setsar=1[v${i}]`));
  const filter = `[0:v]split=${ladder.length}${ladder.map((_, i) => `[s${i}]`).join('')};${branches.join(';')}`;
  const outputs = ladder.flatMap((r, i) => {
    const e = encoderSettingsFor(r.preset);
    const fps = Math.min(r.preset.fps, sourceFps);
    return ['-map', `[${labels[i]}]`, '-map', '0:a:0', '-c:v', e.videoCodec, '-preset', e.x264Preset, '-crf', String(e.crf), '-pix_fmt', e.pixelFormat, '-g', String(fps * 2), ...audioEncoderArgs(e), path.join(outDir, `rung-${r.label}.mp4`)];
  });
  return ['-y', '-i', reference, '-filter_complex', filter, ...outputs];
}

/** One bare ffmpeg encoding the ladder from the finished MP4: spawn to exit, and its CPU. */
export async function baseline(ffmpegPath: string, reference: string, quality: Quality, dir: string): Promise<{ wallMs: number; cpuS: number }> {
  const size = { width: QUALITY_PRESETS[quality].width, height: QUALITY_PRESETS[quality].height };
  const outDir = path.join(dir, `baseline-${quality}`);
  await mkdir(outDir, { recursive: true });
  const before = cpuSeconds().children;
  const started = performance.now();
  await runFfmpeg({ ffmpegPath, args: ladderBaselineArgs(reference, quality, size, outDir) });
  return { wallMs: performance.now() - started, cpuS: cpuSeconds().children - before };
}

export interface QualitySummary {
  quality: Quality;
  frame: string;
  rungs: string[];
  video_seconds: number;
  publish_wall_ms: number;
  baseline_wall_ms: number;
  ratio: number;
  video_seconds_per_wall_second: number;
  publish_cpu_s: number;
  baseline_cpu_s: number;
  cpu_ratio: number;
  stages_ms: Partial<Record<StageName, number>>;
  stages_cpu_s: Partial<Record<StageName, number>>;
  stages_node_cpu_s: Partial<Record<StageName, number>>;
  other_cpu_s: Record<string, number>;
  /** Every run's wall and CPU, in run order (medians above). */
  runs_wall_ms: number[];
  runs_cpu_s: number[];
  baseline_runs_wall_ms: number[];
  objects: number;
  bytes: number;
  progress_monotonic: boolean;
}

const medianOf = <K extends string>(maps: Array<Partial<Record<K, number>>>, keys: readonly K[], d: number): Partial<Record<K, number>> => {
  const out: Partial<Record<K, number>> = {};
  for (const k of keys) {
    const xs = maps.map((m) => m[k]).filter((x): x is number => x !== undefined);
    if (xs.length) out[k] = round(median(xs), d);
  }
  return out;
};

export function summarize(quality: Quality, reports: PublishRun[], base: Array<{ wallMs: number; cpuS: number }>): QualitySummary {
  const p = QUALITY_PRESETS[quality];
  const wall = median(reports.map((r) => r.wall_ms));
  const baseWall = median(base.map((b) => b.wallMs));
  const cpu = median(reports.map((r) => r.cpu_s));
  const baseCpu = median(base.map((b) => b.cpuS));
  const videoSeconds = reports[0]!.video_seconds;
  const others = [...new Set(reports.flatMap((r) => Object.keys(r.other_cpu_s)))];
  return {
    quality,
    frame: `${p.width}x${p.height}@${p.fps}`,
    rungs: renditionLadder(quality, p).map((r) => `${r.label} ${r.width}x${r.height}`),
    video_seconds: videoSeconds,
    publish_wall_ms: round(wall, 0),
    baseline_wall_ms: round(baseWall, 0),
    ratio: round(wall / baseWall),
    video_seconds_per_wall_second: round(videoSeconds / (wall / 1000), 2),
    publish_cpu_s: round(cpu, 2),
    baseline_cpu_s: round(baseCpu, 2),
    cpu_ratio: round(cpu / baseCpu),
    stages_ms: medianOf(reports.map((r) => r.stages_ms), TIMED_STAGES, 0),
    stages_cpu_s: medianOf(reports.map((r) => r.stages_cpu_s), TIMED_STAGES, 2),
    stages_node_cpu_s: medianOf(reports.map((r) => r.stages_node_cpu_s ?? {}), TIMED_STAGES, 2),
    other_cpu_s: medianOf(reports.map((r) => r.other_cpu_s), others, 2) as Record<string, number>,
    runs_wall_ms: reports.map((r) => round(r.wall_ms, 0)),
    runs_cpu_s: reports.map((r) => round(r.cpu_s, 2)),
    baseline_runs_wall_ms: base.map((b) => round(b.wallMs, 0)),
    objects: reports[0]!.objects,
    bytes: reports[0]!.bytes,
    progress_monotonic: reports.every((r) => r.progress_monotonic),
  };
}

export function markdown(line: { runs: number; cores: number; load_avg_1m: number; timing: string }, results: QualitySummary[]): string {
  const list = (m: Partial<Record<string, number>>) =>
    Object.entries(m)
      .map(([s, v]) => `${s} ${v}`)
      .join(', ');
  const rows = results.map(
    (r) =>
      `| ${r.quality} ${r.frame} | ${r.rungs.length} | ${r.publish_wall_ms} | ${r.baseline_wall_ms} | ${r.ratio} | ${r.video_seconds_per_wall_second} | ${r.publish_cpu_s} | ${r.baseline_cpu_s} | ${r.cpu_ratio} | ${list(r.stages_ms)} | ${list(r.stages_cpu_s)} |`,
  );
  return [
    '# bench:publish',
    '',
    `${line.runs} run(s) per job, medians; ${line.cores} cores, load average ${line.load_avg_1m} at the end. Targets: publish ÷ baseline ≤ 1.3, medium ≥ 5 video-s per wall-s.`,
    '',
    '| job | rungs | publish ms | baseline ms | ratio | video-s/wall-s | publish CPU s | baseline CPU s | CPU ratio | stages (ms) | stages (CPU s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Publish: ${line.timing}`,
    '',
  ].join('\n');
}
