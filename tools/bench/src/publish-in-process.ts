/**
 * bench:publish --in-process (diagnosis): the worker's own steps in a child Node
 * process, without the API, the queue or the worker's wiring: PipelineIntegrator.run
 * (planning, rendering, combining; the stills and the lower rungs in the same pass),
 * then prepareDelivery with each output uploaded once final (OutputUploads, the master
 * last, every object HeadObject-verified) into an S3 server in its own process. Stage
 * times are from the first report of each stage to the next one's.
 *
 * CPU: user+sys of the child Node process (every thread) and its reaped children
 * (ffmpeg, ffprobe), from /proc/self/stat; the S3 server is not counted.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { JobRecord, Quality, StageName } from '@vidgen/core';
import { EMBEDDED_S3_CREDENTIALS } from '@vidgen/embedded';
import { resolveFfmpegPath, resolveFfprobePath } from '@vidgen/ffmpeg';
import { PipelineIntegrator, prepareDelivery } from '@vidgen/pipeline';
import { S3UploadManager, createS3Client, jobObjectPrefix, listAllObjects } from '@vidgen/storage';
import { OutputUploads, planOutputs, prepareOutputs } from '@vidgen/jobs';
import { TIMED_STAGES, round, type PublishRun } from './publish-common';
import { benchJobRecord, cpuSeconds, referenceConfiguration } from './reference-job';

const BUCKET = 'bench-publish';
/** The worker's defaults (packages/config: THUMBNAIL_COUNT, THUMBNAIL_WIDTH, HLS_SEGMENT_SECONDS). */
const DELIVERY = { thumbnailCount: 5, thumbnailWidth: 320, hlsSegmentSeconds: 6 };

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
  const out: PublishRun = {
    wall_ms: wallMs,
    video_seconds: rendered.durationSeconds,
    cpu_s: nodeCpu + childrenCpu,
    stages_ms: stages,
    stages_cpu_s: {},
    other_cpu_s: { node: nodeCpu, children: childrenCpu },
    objects,
    bytes,
    progress_monotonic: monotonic,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function runChild(quality: Quality, endpoint: string, keep: string | null): Promise<PublishRun> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [__filename, '--child', quality, endpoint, keep ?? ''], { maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`bench child failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as PublishRun);
    });
  });
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

/** Runs each publish in a fresh child process against one S3 server; `keep` gets a copy of the MP4. */
export async function startInProcessDriver(dir: string): Promise<{ run(quality: Quality, keep: string | null): Promise<PublishRun>; stop(): Promise<void> }> {
  const s3 = await startS3(path.join(dir, 's3'));
  return {
    run: (quality, keep) => runChild(quality, s3.endpoint, keep),
    stop: async () => {
      s3.proc.kill('SIGTERM');
    },
  };
}

if (process.argv.includes('--child')) {
  const i = process.argv.indexOf('--child');
  const [quality, endpoint, keep] = process.argv.slice(i + 1);
  child(quality as Quality, endpoint!, keep || null).catch((err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
}
