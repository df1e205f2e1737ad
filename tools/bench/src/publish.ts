/**
 * pnpm bench:publish — the reference job (fixtures/reference-job.json: 6 scenes × 5 s,
 * dark, no narration, MP4 + HLS) through the whole system: submitted over HTTP to the
 * API, queued in Redis, run by a worker process, every output uploaded into the
 * embedded S3 server. Timed from the submit to the job read back as completed (the
 * worker completes it only after every object was HeadObject-verified); outside the
 * timing the bench HEADs every output of the result itself. The system is the one
 * `pnpm start` runs (tools/stack: API and worker processes, a private redis-server
 * when one is installed, s3rver in this process), started once and warm: the
 * worker's first job is not the measured one (`--no-warm-up` to time it).
 *
 * The wall time ends at the job's completed_at (set in the script that completes it);
 * each stage's time is the job's own progress record (GET's progress.stages:
 * started_at to completed_at; queued: submit to the worker's start). CPU: user+sys
 * of the worker process (every thread) and its children (ffmpeg, ffprobe: reaped
 * ones from its cutime/cstime, live ones from their own /proc stat), sampled every
 * 50 ms and charged to the stage whose record spans the sample; the API's and this
 * process's (poller, s3rver) are reported beside it, not in it (in production the
 * store is elsewhere).
 *
 * Baseline, measured in the same run, interleaved: ONE bare ffmpeg that decodes the
 * finished reference MP4 (downloaded from the job's video_url) and encodes every
 * video rung the job publishes (split + fps + scale, each rung at its preset, AAC
 * into each). That is what a bare encode of the same ladder costs.
 *
 * Jobs: medium (1280×720@30, the reference), low (854×480@15: one rung) and high
 * (1920×1080@60, three rungs). `--quality=medium,low` picks some; `--quick`: medium
 * only, one run (CI). Otherwise medians of 3 (BENCH_PUBLISH_RUNS). `--in-process`:
 * the worker's steps alone in a child process (publish-in-process.ts), for diagnosis.
 * Prints one JSON line and writes reports/bench-publish.md.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { QUALITIES, type OutputRecord, type Quality, type StageName } from '@vidgen/core';
import { redisServerAvailable, startRedisServer, type RedisServer } from '@vidgen/embedded';
import { resolveFfmpegPath } from '@vidgen/ffmpeg';
import { startStack, type Stack } from '@vidgen/stack';
import { createS3Client } from '@vidgen/storage';
import { baseline, markdown, round, summarize, type PublishRun, type QualitySummary } from './publish-common';
import { startInProcessDriver } from './publish-in-process';
import { referenceConfiguration } from './reference-job';

/** How often the bench reads the worker's CPU (/proc) while the job runs; GET /jobs/:id every POLL_EVERY samples. */
const SAMPLE_MS = 50;
const POLL_EVERY = 4;
const OWNER = 'bench';
const KEY = `bench-${randomBytes(12).toString('hex')}`;
const BUCKET = 'bench-publish';

interface Driver {
  run(quality: Quality, keep: string | null): Promise<PublishRun>;
  stop(): Promise<void>;
}

/** utime+stime+cutime+cstime of one process from /proc/<pid>/stat, in seconds (USER_HZ 100); 0 once it is gone. */
function procCpu(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    return (f[11]! + f[12]! + f[13]! + f[14]!) / 100;
  } catch {
    return 0;
  }
}

/** The worker's CPU: its own threads (node: the painters, the event loop) and with its children (total). */
function workerCpu(pid: number): { total: number; node: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return { total: treeCpu(pid), node: (f[11]! + f[12]!) / 100 };
}

/** A process's CPU with its live children's (their own and their reaped children's): ffmpeg runs as a child of the worker. */
function treeCpu(pid: number): number {
  let total = procCpu(pid);
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return total;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(' ').filter(Boolean)) total += treeCpu(Number(child));
  }
  return total;
}

interface JobView {
  job_id: string;
  status: string;
  progress: { percentage: number; stage: string; stages: Array<{ name: StageName; started_at: string | null; completed_at: string | null; duration_ms: number | null }> };
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  error: unknown;
  result: { video_url: string | null; duration_seconds: number; outputs: OutputRecord[] } | null;
}

/** The API, a worker and the embedded S3 store as `pnpm start` runs them, on free ports, with a private queue prefix. */
async function startSystemDriver(dir: string, warmUp: boolean): Promise<Driver> {
  let redis: RedisServer | null = null;
  let redisUrl = process.env.REDIS_URL;
  // A private redis-server when one is installed: the shared one's other clients are not in the measurement.
  if (!redisUrl && redisServerAvailable()) {
    redis = await startRedisServer({ dir: path.join(dir, 'redis') });
    redisUrl = redis.url;
  }
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: redisUrl ?? 'redis://127.0.0.1:6379',
    QUEUE_PREFIX: `bench-publish-${randomBytes(4).toString('hex')}`,
    DATA_DIR: dir,
    S3_BUCKET: BUCKET,
    API_KEYS: `${OWNER}:${KEY}`,
    RATE_LIMIT_SUBMISSIONS: '0',
    OWNER_DAILY_VIDEO_SECONDS: '0',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'warn',
  };
  delete env.S3_ENDPOINT; // always the embedded store
  let stack: Stack;
  try {
    stack = await startStack({ env, output: path.join(dir, 'stack.log'), freePorts: true, workers: 1 });
  } catch (err) {
    await redis?.stop();
    throw err;
  }
  const s3 = createS3Client({
    endpoint: stack.env.S3_ENDPOINT!,
    region: 'us-east-1',
    credentials: { accessKeyId: stack.env.S3_ACCESS_KEY_ID!, secretAccessKey: stack.env.S3_SECRET_ACCESS_KEY! },
    forcePathStyle: true,
    requestChecksum: 'when_required',
    maxAttempts: 3,
  });
  const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
  const workerPid = stack.pids.worker!;
  const apiPid = stack.pids.api!;

  async function run(quality: Quality, keep: string | null): Promise<PublishRun> {
    const body = JSON.stringify({ configuration: { ...referenceConfiguration(), quality, formats: ['mp4', 'hls'] } });
    const cpu0 = workerCpu(workerPid);
    const api0 = procCpu(apiPid);
    const self0 = process.cpuUsage();
    const submittedAt = Date.now();
    const submitted = await fetch(`${stack.apiUrl}/api/v1/videos/generate`, { method: 'POST', headers, body });
    if (submitted.status !== 202) throw new Error(`submit answered ${submitted.status}: ${await submitted.text()}`);
    const { job_id: jobId } = (await submitted.json()) as { job_id: string };
    // /proc is sampled often (cheap, local); the API is asked less often, so the poll itself takes little from the job.
    const samples: Array<{ at: number; cpu: number; node: number }> = [{ at: submittedAt, cpu: cpu0.total, node: cpu0.node }];
    let lastPct = 0;
    let monotonic = true;
    let job: JobView;
    for (let tick = 1; ; tick++) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      const c = workerCpu(workerPid);
      samples.push({ at: Date.now(), cpu: c.total, node: c.node });
      if (tick % POLL_EVERY !== 0) continue;
      const res = await fetch(`${stack.apiUrl}/api/v1/videos/jobs/${jobId}`, { headers });
      job = (await res.json()) as JobView;
      if (job.progress.percentage < lastPct) monotonic = false;
      lastPct = job.progress.percentage;
      if (job.status === 'completed') break;
      if (job.status === 'failed' || job.status === 'cancelled') throw new Error(`the job ${job.status}: ${JSON.stringify(job.error)}`);
    }
    // The worker sets completed_at in the same script that completes the job (after every upload was verified).
    const wallMs = Date.parse(job.completed_at!) - submittedAt;
    // Each sampled interval's CPU goes to the stage whose [started_at, completed_at] holds the interval's middle.
    const spans = job.progress.stages.filter((s) => s.started_at && s.completed_at).map((s) => ({ name: s.name, from: Date.parse(s.started_at!), to: Date.parse(s.completed_at!) }));
    const stagesCpu: Partial<Record<StageName, number>> = {};
    const stagesNodeCpu: Partial<Record<StageName, number>> = {};
    for (let i = 1; i < samples.length; i++) {
      const mid = (samples[i - 1]!.at + samples[i]!.at) / 2;
      if (mid > Date.parse(job.completed_at!)) break;
      const name: StageName = spans.find((s) => mid >= s.from && mid <= s.to)?.name ?? (job.started_at && mid >= Date.parse(job.started_at) ? 'finalizing' : 'queued');
      stagesCpu[name] = (stagesCpu[name] ?? 0) + samples[i]!.cpu - samples[i - 1]!.cpu;
      stagesNodeCpu[name] = (stagesNodeCpu[name] ?? 0) + samples[i]!.node - samples[i - 1]!.node;
    }
    const lastCpu = samples[samples.length - 1]!.cpu;
    const cpuS = lastCpu - cpu0.total;
    const apiCpu = procCpu(apiPid) - api0;
    const self = process.cpuUsage(self0);
    const outputs = job.result!.outputs;
    // Outside the timing: every object the result names is in the store, at the size it names.
    await Promise.all(
      outputs.map(async (o) => {
        const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: o.key }));
        if (head.ContentLength !== o.size_bytes) throw new Error(`${o.key}: the store holds ${head.ContentLength} bytes, the result says ${o.size_bytes}`);
      }),
    );
    if (keep) await writeFile(keep, Buffer.from(await (await fetch(job.result!.video_url!)).arrayBuffer()));
    const stagesMs: Partial<Record<StageName, number>> = {};
    for (const s of job.progress.stages) if (s.duration_ms !== null) stagesMs[s.name] = s.duration_ms;
    if (job.started_at) stagesMs.queued = Date.parse(job.started_at) - Date.parse(job.created_at);
    const rounded = (m: Partial<Record<StageName, number>>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, round(v, 2)])) as Partial<Record<StageName, number>>;
    return {
      wall_ms: wallMs,
      video_seconds: job.result!.duration_seconds,
      cpu_s: cpuS,
      stages_ms: stagesMs,
      stages_cpu_s: rounded(stagesCpu),
      stages_node_cpu_s: rounded(stagesNodeCpu),
      other_cpu_s: { api: apiCpu, bench_and_s3: (self.user + self.system) / 1e6 },
      objects: outputs.length,
      bytes: outputs.reduce((n, o) => n + o.size_bytes, 0),
      progress_monotonic: monotonic,
    };
  }

  // A worker's first job pays for loading fonts and code paths; production workers are warm.
  if (warmUp) await run('low', null);
  return {
    run,
    stop: async () => {
      s3.destroy();
      await stack.stop();
      await redis?.stop();
    },
  };
}

async function measureQuality(driver: Driver, quality: Quality, runs: number, ffmpegPath: string, dir: string): Promise<QualitySummary> {
  const reports: PublishRun[] = [];
  const base: Array<{ wallMs: number; cpuS: number }> = [];
  const reference = path.join(dir, `reference-${quality}.mp4`);
  // Interleaved so drift in machine load affects both sides alike.
  for (let i = 0; i < runs; i++) {
    reports.push(await driver.run(quality, i === 0 ? reference : null));
    base.push(await baseline(ffmpegPath, reference, quality, dir));
  }
  return summarize(quality, reports, base);
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const inProcess = process.argv.includes('--in-process');
  const picked = process.argv.find((a) => a.startsWith('--quality='))?.slice('--quality='.length).split(',');
  const qualities = (picked ?? (quick ? ['medium'] : ['medium', 'low', 'high'])) as Quality[];
  for (const q of qualities) if (!QUALITIES.includes(q)) throw new Error(`unknown quality ${q}`);
  const runs = quick ? 1 : Number(process.env.BENCH_PUBLISH_RUNS ?? 3);
  const ffmpegPath = resolveFfmpegPath(process.env.FFMPEG_PATH);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-bench-publish-'));
  const driver = inProcess ? await startInProcessDriver(dir) : await startSystemDriver(dir, !process.argv.includes('--no-warm-up'));
  try {
    const results: QualitySummary[] = [];
    for (const q of qualities) results.push(await measureQuality(driver, q, runs, ffmpegPath, dir));
    const medium = results.find((r) => r.quality === 'medium');
    const line = {
      bench: 'publish',
      mode: inProcess ? 'in-process' : 'system',
      job: 'fixtures/reference-job.json (6 scenes x 5 s, dark, no narration) with formats mp4+hls, at each quality',
      runs,
      load_avg_1m: round(os.loadavg()[0] ?? 0, 2),
      cores: os.cpus().length,
      results,
      timing: inProcess
        ? 'publish: PipelineIntegrator.run + prepareDelivery with OutputUploads in a child Node process, start to the last verified upload (no API, queue or worker wiring); baseline: one ffmpeg decoding the reference MP4 once and encoding every rung of the ladder, spawn to exit'
        : 'publish: POST /api/v1/videos/generate (sent) to the job\'s completed_at (read back with GET /jobs/:id every 200 ms), API + Redis queue + worker process + embedded S3, every output HeadObject-verified by the worker before completing and by the bench after; baseline: one ffmpeg decoding the reference MP4 once and encoding every rung of the ladder (split + fps + scale, each rung at its preset, AAC into each), spawn to exit',
      cpu_method: inProcess
        ? 'user+sys s: publish = the child Node process + its reaped children; baseline = the one ffmpeg'
        : 'user+sys s from /proc: publish = the worker process (every thread) + its children (ffmpeg, ffprobe), sampled every 50 ms and charged to the stage whose progress record spans the sample (stages_node_cpu_s: the worker\'s own threads); other_cpu_s: the API process and this process (poller + s3rver); baseline = the one ffmpeg',
      targets: { ratio_max: 1.3, medium_video_seconds_per_wall_second_min: 5 },
      met: { ratio: results.every((r) => r.ratio <= 1.3), medium_speed: medium ? medium.video_seconds_per_wall_second >= 5 : null, progress_monotonic: results.every((r) => r.progress_monotonic) },
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    const reports = path.join(process.cwd(), 'reports');
    await mkdir(reports, { recursive: true });
    await writeFile(path.join(reports, 'bench-publish.md'), markdown(line, results));
  } finally {
    await driver.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
}
