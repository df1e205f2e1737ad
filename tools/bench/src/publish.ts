/**
 * pnpm bench:publish — the reference job (fixtures/reference-job.json: 6 scenes × 5 s,
 * dark, no narration, MP4 + HLS) from the pipeline's start to every output uploaded
 * and verified (HeadObject, size and MD5) in the embedded S3 server, through the
 * worker's own steps: PipelineIntegrator.run (planning, rendering, combining; the
 * stills and the lower rungs in the same pass), then prepareDelivery (HLS package,
 * metadata probe) with each output uploaded once final (OutputUploads), the master last.
 * The API and the queue are not in it: they add a Redis round trip or two.
 *
 * Baseline, measured in the same run, interleaved: ONE bare ffmpeg that decodes the
 * finished reference MP4 and encodes every video rung the job publishes (the top one
 * at the MP4's settings, each lower one scaled and resampled at its preset's), audio
 * into each, in one process (`split` + `scale` outputs). That is what a bare encode
 * of the same ladder costs.
 *
 * Jobs: medium (1280×720@30, the reference), low (854×480@15: one rung) and high
 * (1920×1080@60, three rungs). `--quality=medium,low` picks some; `--quick`: medium
 * only, one run (CI). Otherwise medians of 3 (BENCH_PUBLISH_RUNS). Prints one JSON
 * line and writes reports/bench-publish.md.
 *
 * CPU: user+sys of the job's child Node process (every thread) and its reaped
 * children (ffmpeg, ffprobe), from /proc/self/stat; the S3 server runs in its own
 * process and is not counted (as in production, where the store is elsewhere).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { QUALITIES, QUALITY_PRESETS, type JobRecord, type Quality, type StageName } from '@vidgen/core';
import { EMBEDDED_S3_CREDENTIALS } from '@vidgen/embedded';
import { resolveFfmpegPath, resolveFfprobePath, runFfmpeg } from '@vidgen/ffmpeg';
import { PipelineIntegrator, audioEncoderArgs, encoderSettingsFor, prepareDelivery, renditionLadder } from '@vidgen/pipeline';
import { S3UploadManager, createS3Client, jobObjectPrefix, listAllObjects } from '@vidgen/storage';
import { OutputUploads, planOutputs, prepareOutputs } from '@vidgen/jobs';
import { benchJobRecord, cpuSeconds, referenceConfiguration } from './reference-job';

const BUCKET = 'bench-publish';
/** The worker's defaults (packages/config: THUMBNAIL_COUNT, THUMBNAIL_WIDTH, HLS_SEGMENT_SECONDS). */
const DELIVERY = { thumbnailCount: 5, thumbnailWidth: 320, hlsSegmentSeconds: 6 };
const TIMED_STAGES: readonly StageName[] = ['planning', 'rendering_scenes', 'combining', 'generating_thumbnails', 'encoding_renditions', 'extracting_metadata', 'uploading'];

interface ChildReport {
  quality: Quality;
  wall_ms: number;
  video_seconds: number;
  cpu_s: number;
  node_cpu_s: number;
  children_cpu_s: number;
  /** Wall ms from a stage's first report to the next stage's first report (uploading: to the end). */
  stages: Partial<Record<StageName, number>>;
  objects: number;
  bytes: number;
  /** Every progress record, in order: [stage, percentage]. */
  progress_monotonic: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;


function fixtureJob(quality: Quality): JobRecord {
  return benchJobRecord(`bench-publish-${quality}-${process.pid}`, { ...referenceConfiguration(), quality, formats: ['mp4', 'hls'] });
}

/** One publish: render → thumbnails → HLS → probe → upload (verified), in this process. */
async function child(quality: Quality, endpoint: string, keep: string | null): Promise<void> {
  const ffmpegPath = resolveFfmpegPath(process.env.FFMPEG_PATH);
  const ffprobePath = resolveFfprobePath(process.env.FFPROBE_PATH);
  const scratchBaseDir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-bench-publish-'));
  const client = createS3Client({ endpoint, region: 'us-east-1', credentials: { ...EMBEDDED_S3_CREDENTIALS }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 3, unsignedUploadPayload: true });
  // The worker's defaults (packages/config): 8 MiB parts, 4 in flight, 8 files at once, MD5 checked.
  const uploads = new S3UploadManager({ client, bucket: BUCKET, partSizeBytes: 8 * 1024 * 1024, queueSize: 4, retry: { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5000 }, batchConcurrency: 8, verifyEtag: true });
  const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir, cores: os.cpus().length });
  const job = fixtureJob(quality);
  integrator.prepare(job);
  integrator.warmUp();
  const firstReport = new Map<StageName, number>();
  const records: Array<[StageName, number]> = [];
  const report = (stage: StageName, pct: number) => {
    if (!firstReport.has(stage)) firstReport.set(stage, performance.now());
    records.push([stage, pct]);
  };
  const signal = new AbortController().signal;
  const cpuBefore = cpuSeconds();
  const ownBefore = process.cpuUsage();
  const started = performance.now();
  const rendered = await integrator.run(job, { onProgress: report, signal, stills: { count: DELIVERY.thumbnailCount, thumbnailWidth: DELIVERY.thumbnailWidth }, hls: { segmentSeconds: DELIVERY.hlsSegmentSeconds } });
  let objects = 0;
  let bytes = 0;
  let ended = 0;
  try {
    // As the worker's handler does: each output uploaded once final, the master last, all verified.
    const early = new OutputUploads({ uploads, owner: job.owner, jobId: job.job_id, signal });
    const prepared = prepareOutputs(await prepareDelivery({ record: job, rendered, ffmpegPath, ffprobePath, delivery: DELIVERY, report, skip: async () => {}, signal, onFinal: (files) => early.start(planOutputs(files)) }));
    report('uploading', 0);
    const outputs = await early.finish(prepared.outputs, (p) => report('uploading', p));
    report('uploading', 100);
    ended = performance.now();
    objects = outputs.length;
    bytes = outputs.reduce((n, o) => n + o.size_bytes, 0);
    if (keep) await copyFile(rendered.videoPath, keep);
  } finally {
    await rendered.cleanup();
  }
  const wallMs = ended - started;
  const cpuAfter = cpuSeconds();
  const own = process.cpuUsage(ownBefore);
  // Outside the timing: the store holds exactly what the job says it uploaded.
  const listed = await listAllObjects({ client, bucket: BUCKET, prefix: jobObjectPrefix(job.owner, job.job_id) });
  if (listed.length !== objects) throw new Error(`the store lists ${listed.length} objects under the job, the upload reported ${objects}`);
  client.destroy();
  await rm(scratchBaseDir, { recursive: true, force: true });
  const stages: Partial<Record<StageName, number>> = {};
  const seen = TIMED_STAGES.filter((s) => firstReport.has(s));
  seen.forEach((s, i) => {
    const next = seen[i + 1];
    stages[s] = round((next ? firstReport.get(next)! : ended) - firstReport.get(s)!, 0);
  });
  // Overall progress only rises when stages come in registry order and each stage's percentage never falls.
  let monotonic = true;
  for (let i = 1; i < records.length; i++) {
    const [ps, pp] = records[i - 1]!;
    const [s, p] = records[i]!;
    const order = TIMED_STAGES.indexOf(s) - TIMED_STAGES.indexOf(ps);
    if (order < 0 || (order === 0 && p < pp)) monotonic = false;
  }
  const nodeCpu = (own.user + own.system) / 1e6;
  const childrenCpu = cpuAfter.children - cpuBefore.children;
  const out: ChildReport = {
    quality,
    wall_ms: wallMs,
    video_seconds: rendered.durationSeconds,
    cpu_s: nodeCpu + childrenCpu,
    node_cpu_s: nodeCpu,
    children_cpu_s: childrenCpu,
    stages,
    objects,
    bytes,
    progress_monotonic: monotonic,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function runChild(quality: Quality, endpoint: string, keep: string | null): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [__filename, '--child', quality, endpoint, keep ?? ''], { maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`bench child failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildReport);
    });
  });
}

/**
 * ffmpeg arguments of the baseline: the reference MP4 decoded once, split into
 * every rung of the job's ladder, each encoded with its own preset's settings
 * (the top at the MP4's own), audio encoded into each. Numbers only.
 */
export function ladderBaselineArgs(reference: string, quality: Quality, size: { width: number; height: number }, outDir: string): string[] {
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

async function baseline(ffmpegPath: string, reference: string, quality: Quality, dir: string): Promise<{ wallMs: number; cpuS: number }> {
  const size = { width: QUALITY_PRESETS[quality].width, height: QUALITY_PRESETS[quality].height };
  const outDir = path.join(dir, `baseline-${quality}`);
  await mkdir(outDir, { recursive: true });
  const before = cpuSeconds().children;
  const started = performance.now();
  await runFfmpeg({ ffmpegPath, args: ladderBaselineArgs(reference, quality, size, outDir) });
  return { wallMs: performance.now() - started, cpuS: cpuSeconds().children - before };
}

async function startS3(dir: string): Promise<{ endpoint: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [path.join(__dirname, 'upload-s3-server.js'), dir, BUCKET], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  for await (const line of lines) {
    const m = JSON.parse(line) as { endpoint?: string };
    if (m.endpoint) return { endpoint: m.endpoint, proc };
  }
  throw new Error('the S3 server exited before it was ready');
}

interface QualitySummary {
  quality: Quality;
  frame: string;
  rungs: string[];
  video_seconds: number;
  publish_wall_ms: number;
  baseline_wall_ms: number;
  ratio: number;
  video_seconds_per_wall_second: number;
  publish_cpu_s: number;
  publish_node_cpu_s: number;
  publish_children_cpu_s: number;
  baseline_cpu_s: number;
  cpu_ratio: number;
  stages_ms: Partial<Record<StageName, number>>;
  objects: number;
  bytes: number;
  progress_monotonic: boolean;
}

async function measureQuality(quality: Quality, runs: number, endpoint: string, ffmpegPath: string, dir: string): Promise<QualitySummary> {
  const reports: ChildReport[] = [];
  const base: Array<{ wallMs: number; cpuS: number }> = [];
  const reference = path.join(dir, `reference-${quality}.mp4`);
  // Interleaved so drift in machine load affects both sides alike.
  for (let i = 0; i < runs; i++) {
    reports.push(await runChild(quality, endpoint, i === 0 ? reference : null));
    base.push(await baseline(ffmpegPath, reference, quality, dir));
  }
  const p = QUALITY_PRESETS[quality];
  const wall = median(reports.map((r) => r.wall_ms));
  const baseWall = median(base.map((b) => b.wallMs));
  const cpu = median(reports.map((r) => r.cpu_s));
  const baseCpu = median(base.map((b) => b.cpuS));
  const videoSeconds = reports[0]!.video_seconds;
  const stages: Partial<Record<StageName, number>> = {};
  for (const s of TIMED_STAGES) {
    const xs = reports.map((r) => r.stages[s]).filter((x): x is number => x !== undefined);
    if (xs.length) stages[s] = round(median(xs), 0);
  }
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
    publish_node_cpu_s: round(median(reports.map((r) => r.node_cpu_s)), 2),
    publish_children_cpu_s: round(median(reports.map((r) => r.children_cpu_s)), 2),
    baseline_cpu_s: round(baseCpu, 2),
    cpu_ratio: round(cpu / baseCpu),
    stages_ms: stages,
    objects: reports[0]!.objects,
    bytes: reports[0]!.bytes,
    progress_monotonic: reports.every((r) => r.progress_monotonic),
  };
}

function markdown(line: Record<string, unknown>, results: QualitySummary[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.quality} ${r.frame} | ${r.rungs.length} | ${r.publish_wall_ms} | ${r.baseline_wall_ms} | ${r.ratio} | ${r.video_seconds_per_wall_second} | ${r.publish_cpu_s} | ${r.baseline_cpu_s} | ${r.cpu_ratio} | ${Object.entries(r.stages_ms)
        .map(([s, ms]) => `${s} ${ms}`)
        .join(', ')} |`,
  );
  return [
    '# bench:publish',
    '',
    `${line.runs} run(s) per job, medians; ${line.cores} cores, load average ${line.load_avg_1m} at the end. Targets: publish ÷ baseline ≤ 1.3, medium ≥ 5 video-s per wall-s.`,
    '',
    '| job | rungs | publish ms | baseline ms | ratio | video-s/wall-s | publish CPU s | baseline CPU s | CPU ratio | stages (ms) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Publish: ${String(line.timing)}`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const picked = process.argv.find((a) => a.startsWith('--quality='))?.slice('--quality='.length).split(',');
  const qualities = (picked ?? (quick ? ['medium'] : ['medium', 'low', 'high'])) as Quality[];
  for (const q of qualities) if (!QUALITIES.includes(q)) throw new Error(`unknown quality ${q}`);
  const runs = quick ? 1 : Number(process.env.BENCH_PUBLISH_RUNS ?? 3);
  const ffmpegPath = resolveFfmpegPath(process.env.FFMPEG_PATH);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-bench-publish-'));
  const s3 = await startS3(path.join(dir, 's3'));
  try {
    const results: QualitySummary[] = [];
    for (const q of qualities) results.push(await measureQuality(q, runs, s3.endpoint, ffmpegPath, dir));
    const medium = results.find((r) => r.quality === 'medium');
    const line = {
      bench: 'publish',
      job: 'fixtures/reference-job.json (6 scenes x 5 s, dark, no narration) with formats mp4+hls, at each quality',
      runs,
      load_avg_1m: round(os.loadavg()[0] ?? 0, 2),
      cores: os.cpus().length,
      results,
      timing:
        'publish: PipelineIntegrator.run (stills and lower rungs in the same pass) + prepareDelivery with OutputUploads (each output uploaded once final, the master last, every object HeadObject-verified) in a child Node process, start to the last upload; baseline: one ffmpeg decoding the reference MP4 once and encoding every rung of the ladder (split + fps + scale, each rung at its preset, AAC into each), spawn to exit',
      cpu_method: 'user+sys s: publish = the child Node process (every thread) + its reaped children (ffmpeg, ffprobe); baseline = the one ffmpeg. The S3 server runs in its own process, not counted',
      targets: { ratio_max: 1.3, medium_video_seconds_per_wall_second_min: 5 },
      met: { ratio: results.every((r) => r.ratio <= 1.3), medium_speed: medium ? medium.video_seconds_per_wall_second >= 5 : null, progress_monotonic: results.every((r) => r.progress_monotonic) },
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    const reports = path.join(process.cwd(), 'reports');
    await mkdir(reports, { recursive: true });
    await writeFile(path.join(reports, 'bench-publish.md'), markdown(line, results));
  } finally {
    s3.proc.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--child')) {
  const i = process.argv.indexOf('--child');
  const [quality, endpoint, keep] = process.argv.slice(i + 1);
  child(quality as Quality, endpoint!, keep || null).catch((err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
} else if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
}
