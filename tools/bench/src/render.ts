/**
 * pnpm bench:render — the reference job (fixtures/reference-job.json: 6 scenes × 5 s,
 * medium 1280×720@30, dark, no narration; layouts title, bullets, stat, chart, steps,
 * closing with their entrances, builds and crossfades) through the real pipeline,
 * against a baseline measured in the same run: one bare ffmpeg decoding the finished
 * reference MP4 and encoding the very same frames again with the same encoder, preset
 * and CRF. Interleaved, medians of 3.
 *
 * The pipeline runs in a child Node process (`--child`); its render units are worker
 * threads of that process, so the process's peak RSS (resourceUsage().maxRSS, and
 * memoryUsage.rss() sampled every 100 ms) covers every Node thread of the render. The
 * ffmpeg children of every thread are sampled from /proc every 100 ms (VmHWM; a sample
 * can miss a process shorter than that; the largest per-process peak and the largest
 * sampled sum of concurrent peaks are reported).
 *
 * `--narrated`: the same six scenes narrated (Festival's HTS voice where installed, the
 * calm music bed, a short narration per scene; no duration_seconds, so each scene lasts
 * its speech plus its tail: about 30 s),
 * interleaved with the silent reference in the same run. Reported per video-second:
 * narrated ÷ silent wall time, the synthesis's share of the job's CPU time (the job's
 * process plus its reaped children, from /proc/self/stat; synthesis runs alone before
 * the units start, so its children's CPU is measured around it) and the engine's
 * realtime factor (synthesis CPU and wall ÷ seconds of speech).
 *
 * The drawtext renderer this replaced, measured with this script's first version on
 * the same job with its texts flattened: 5.7 s against a 10.1 s baseline (0.56),
 * 5.3 video-s per wall-s, Node 90 MB, ffmpeg 106 MB (two at once 210 MB), load 3.5.
 *
 * CPU before and after the painter's cached layers and bands and the bgr24 pipe
 * (2026-11-26, this script, a shared 2-core machine): render 10.3 s (Node 4.5,
 * ffmpeg 5.8) against a 5.4 s baseline (1.91) at load 16; 7.3 s (Node 2.6, ffmpeg
 * 4.7) against 5.0 s (1.47) at load 12. Wall figures at such loads say little.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QUALITY_PRESETS, type JobRecord } from '@vidgen/core';
import { resolveFfmpegPath, runFfmpeg } from '@vidgen/ffmpeg';
import { benchJobRecord, cpuSeconds, referenceConfiguration } from './reference-job';
import { PipelineIntegrator, audioEncoderArgs, createSynthesizer, encoderSettingsFor, videoEncoderArgs, workerVoices, type SpeechSynthesizer } from '@vidgen/pipeline';

const RUNS = 3;
/**
 * RSS sampling interval. VmHWM is each process's own high-water mark, so a
 * sample loses nothing of a process that lives longer than this; the poller
 * runs in the measured process, so sampling every 20 ms cost it ~0.3 s of CPU.
 */
const POLL_MS = Number(process.env.BENCH_POLL_MS ?? 100);

interface ChildReport {
  wall_ms: number;
  video_seconds: number;
  node_max_rss_mb: number;
  ffmpeg_peak_rss_mb: number;
  ffmpeg_peak_concurrent_rss_mb: number;
  scene_concurrency: number;
  units: number;
  painted_frames: number;
  total_frames: number;
  node_peak_sampled_rss_mb: number;
  /** CPU of the job: this process (all threads) and its reaped children. */
  cpu_ms: number;
  synth_cpu_ms: number | null;
  synth_wall_ms: number | null;
  speech_seconds: number | null;
  voice: string | null;
  /** CPU seconds of integrator.run(): this process (every thread) plus its reaped ffmpeg children. */
  cpu_s: number;
  node_cpu_s: number;
  ffmpeg_cpu_s: number;
}

type Variant = 'silent' | 'narrated';

/** utime + stime of this process and of its waited-for children, in ms. */
function cpuMs(): { self: number; children: number } {
  const { self, children } = cpuSeconds();
  return { self: self * 1000, children: children * 1000 };
}

/** Wraps a synthesizer: the first start to the last end of its runs, and its children's CPU in that window. */
function measuredSynthesizer(inner: SpeechSynthesizer) {
  const m = { first: 0n, last: 0n, cpuStart: 0, cpuEnd: 0, speech: 0, running: 0 };
  const synth: SpeechSynthesizer = {
    engine: inner.engine,
    voice: inner.voice,
    async synthesize(options) {
      if (m.running++ === 0 && m.first === 0n) {
        m.first = process.hrtime.bigint();
        m.cpuStart = cpuMs().children;
      }
      try {
        const out = await inner.synthesize(options);
        m.speech += out.durationSeconds;
        return out;
      } finally {
        if (--m.running === 0) {
          m.last = process.hrtime.bigint();
          m.cpuEnd = cpuMs().children;
        }
      }
    },
  };
  return { synth, m };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

/** What each reference scene says (about 30 s in all): the author's narration, shorter than reading every label aloud. */
const NARRATION = [
  'How does a solar panel work? Let us follow the light.',
  'A panel has four parts. Silicon cells. A glass cover. Metal contacts. And a frame.',
  'A good panel turns about twenty two percent of sunlight into electricity.',
  'Output climbs through the morning and peaks at noon.',
  'A photon frees an electron. The field pushes it. The cells add up. An inverter makes it alternating.',
  'Sunlight in, electricity out. Thanks for watching.',
];

function fixtureJob(variant: Variant = 'silent'): JobRecord {
  const configuration = referenceConfiguration();
  if (variant === 'narrated') {
    // Each scene as long as its speech (plus the tail), over the calm bed.
    const c = configuration as JobRecord['configuration'] & { music?: { preset: string } };
    c.narration = true;
    c.music = { preset: 'calm' };
    c.scenes = c.scenes!.map(({ duration_seconds: _d, ...scene }, i) => ({ ...scene, narration: NARRATION[i] }));
  }
  return benchJobRecord(`bench-${process.pid}`, configuration);
}

/**
 * CPU seconds (user + sys) of this process's waited-for children so far: the kernel adds a
 * child's times when it is reaped, so a delta around a run counts every ffmpeg it spawned.
 */
const reapedChildrenCpuSeconds = () => cpuSeconds().children;

/** CPU seconds (user + sys) of this process, every thread. */
const ownCpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

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
  let nodePeak = 0;
  let polling = true;
  const poll = (async () => {
    while (polling) {
      // One process: its RSS counts the main thread and every unit's worker thread.
      nodePeak = Math.max(nodePeak, process.memoryUsage.rss());
      const now = await ffmpegChildrenHwm();
      let sum = 0;
      for (const [pid, kb] of now) {
        peaks.set(pid, Math.max(peaks.get(pid) ?? 0, kb));
        sum += kb;
      }
      peakConcurrent = Math.max(peakConcurrent, sum);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  })();
  const scratchBaseDir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-bench-'));
  const variant: Variant = process.env.VIDGEN_BENCH_VARIANT === 'narrated' ? 'narrated' : 'silent';
  // A worker chooses its voice at start (probing the engines), not per job.
  const measured = variant === 'narrated' ? measuredSynthesizer(createSynthesizer((await workerVoices()).defaultVoice)) : null;
  const integrator = new PipelineIntegrator({ ffmpegPath: resolveFfmpegPath(process.env.FFMPEG_PATH), scratchBaseDir, synthesizer: measured?.synth });
  const job = fixtureJob(variant);
  const config = integrator.prepare(job);
  // A worker is long-lived: fonts are loaded and the layout code is warm before its jobs arrive.
  integrator.warmUp();
  const cpuBefore = cpuMs();
  const ownBefore = ownCpuSeconds();
  const childrenBefore = reapedChildrenCpuSeconds();
  const started = process.hrtime.bigint();
  const result = await integrator.run(job);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpuAfter = cpuMs();
  const nodeCpuS = ownCpuSeconds() - ownBefore;
  const ffmpegCpuS = reapedChildrenCpuSeconds() - childrenBefore;
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
    units: result.units,
    painted_frames: result.paintedFrames,
    total_frames: result.plan.totalFrames,
    node_peak_sampled_rss_mb: nodePeak / 1024 / 1024,
    cpu_ms: cpuAfter.self + cpuAfter.children - cpuBefore.self - cpuBefore.children,
    synth_cpu_ms: measured ? measured.m.cpuEnd - measured.m.cpuStart : null,
    synth_wall_ms: measured ? Number(measured.m.last - measured.m.first) / 1e6 : null,
    speech_seconds: measured ? measured.m.speech : null,
    voice: measured?.synth.voice ?? null,
    cpu_s: nodeCpuS + ffmpegCpuS,
    node_cpu_s: nodeCpuS,
    ffmpeg_cpu_s: ffmpegCpuS,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function runChild(keep: string | null, variant: Variant = 'silent'): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [__filename, '--child', ...(keep ? [keep] : [])], { maxBuffer: 1024 * 1024, env: { ...process.env, VIDGEN_BENCH_VARIANT: variant } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`bench child failed: ${stderr || err.message}`));
      const line = stdout.trim().split('\n').pop() ?? '';
      resolve(JSON.parse(line) as ChildReport);
    });
  });
}

/** The baseline: one bare ffmpeg decoding the finished reference MP4 and encoding the very same frames again with the same encoder, preset and CRF. */
async function baseline(ffmpegPath: string, reference: string, dir: string): Promise<{ wallMs: number; cpuS: number }> {
  const preset = QUALITY_PRESETS.medium;
  const encoder = encoderSettingsFor(preset);
  const out = path.join(dir, 'baseline.mp4');
  const args = ['-i', reference, '-map', '0:v', '-map', '0:a', ...videoEncoderArgs(encoder, preset.fps), ...audioEncoderArgs(encoder), '-movflags', '+faststart', out];
  const cpuBefore = reapedChildrenCpuSeconds();
  const started = process.hrtime.bigint();
  await runFfmpeg({ ffmpegPath, args });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { wallMs, cpuS: reapedChildrenCpuSeconds() - cpuBefore };
}

async function main(): Promise<void> {
  const ffmpegPath = resolveFfmpegPath(process.env.FFMPEG_PATH);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-bench-baseline-'));
  try {
    const baselineMs: number[] = [];
    const baselineCpuS: number[] = [];
    const reports: ChildReport[] = [];
    // Interleaved so drift in machine load affects both sides alike.
    const reference = path.join(dir, 'reference.mp4');
    for (let i = 0; i < RUNS; i++) {
      reports.push(await runChild(i === 0 ? reference : null));
      const b = await baseline(ffmpegPath, reference, dir);
      baselineMs.push(b.wallMs);
      baselineCpuS.push(b.cpuS);
    }
    const pipelineMs = median(reports.map((r) => r.wall_ms));
    const base = median(baselineMs);
    const videoSeconds = reports[0]?.video_seconds ?? 0;
    const first = reports[0];
    const ratio = pipelineMs / base;
    const speed = videoSeconds / (pipelineMs / 1000);
    const renderCpu = median(reports.map((r) => r.cpu_s));
    const baseCpu = median(baselineCpuS);
    const nodePeak = Math.max(...reports.map((r) => r.node_max_rss_mb));
    process.stdout.write(
      `${JSON.stringify({
        bench: 'render',
        job: '6 scenes x 5 s, medium 1280x720@30, dark, no narration: title, bullets (4), stat, chart (5 bars), steps (4), closing; entrances 0.6 s, builds 0.4 s apart, crossfades 0.5 s',
        runs: RUNS,
        load_avg_1m: round(os.loadavg()[0] ?? 0, 2),
        cores: os.cpus().length,
        pipeline_wall_ms: round(pipelineMs, 0),
        baseline_wall_ms: round(base, 0),
        ratio: round(ratio),
        render_cpu_s: round(renderCpu, 2),
        baseline_cpu_s: round(baseCpu, 2),
        cpu_ratio: round(renderCpu / baseCpu),
        render_node_cpu_s: round(median(reports.map((r) => r.node_cpu_s)), 2),
        render_ffmpeg_cpu_s: round(median(reports.map((r) => r.ffmpeg_cpu_s)), 2),
        video_seconds: videoSeconds,
        video_seconds_per_wall_second: round(speed, 2),
        scene_concurrency: first?.scene_concurrency ?? null,
        units: first?.units ?? null,
        total_frames: first?.total_frames ?? null,
        drawn_frames: first?.painted_frames ?? null,
        // Each unit pipes its drawn frames plus one sentinel (see unit-args.ts).
        piped_frames: first ? first.painted_frames + first.units : null,
        node_peak_rss_mb: round(nodePeak, 1),
        node_peak_sampled_rss_mb: round(Math.max(...reports.map((r) => r.node_peak_sampled_rss_mb)), 1),
        ffmpeg_child_peak_rss_mb: round(Math.max(...reports.map((r) => r.ffmpeg_peak_rss_mb)), 1),
        ffmpeg_children_peak_concurrent_rss_mb: round(Math.max(...reports.map((r) => r.ffmpeg_peak_concurrent_rss_mb)), 1),
        rss_method:
          'node: the render child process (main thread + every unit worker thread share it): process.resourceUsage().maxRSS, and process.memoryUsage.rss() sampled every 100 ms; ffmpeg: /proc/<pid>/status VmHWM of ffmpeg children of every thread, sampled every 100 ms',
        timing: 'pipeline: integrator.run() in a child Node process; baseline: one ffmpeg re-encoding the reference MP4 (decode + encode of the same frames, same encoder, preset, CRF), spawn to exit',
        cpu_method: 'user+sys seconds, medians of the runs: render = the child Node process (process.cpuUsage, every thread) + its reaped ffmpeg children (/proc/self/stat cutime+cstime) across integrator.run(); baseline = the baseline ffmpeg (cutime+cstime of this process across it). Less sensitive than wall time to other load on the machine',
        targets: { ratio_max: 1.5, video_seconds_per_wall_second_min: 5, node_rss_mb_max: 400 },
        met: { ratio: ratio <= 1.5, speed: speed >= 5, node_rss: nodePeak <= 400 },
      })}\n`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** --narrated: the narrated job against the silent reference, interleaved, medians of 3, per video-second. */
async function narratedMain(): Promise<void> {
  const silent: ChildReport[] = [];
  const narrated: ChildReport[] = [];
  for (let i = 0; i < RUNS; i++) {
    silent.push(await runChild(null, 'silent'));
    narrated.push(await runChild(null, 'narrated'));
  }
  const perVideoSecond = (rs: ChildReport[]) => median(rs.map((r) => r.wall_ms / 1000 / r.video_seconds));
  const ratio = perVideoSecond(narrated) / perVideoSecond(silent);
  const cpuRatio = median(narrated.map((r) => r.cpu_ms / r.video_seconds)) / median(silent.map((r) => r.cpu_ms / r.video_seconds));
  const synthShare = median(narrated.map((r) => (r.synth_cpu_ms ?? 0) / r.cpu_ms));
  const rtfCpu = median(narrated.map((r) => (r.synth_cpu_ms ?? 0) / 1000 / (r.speech_seconds ?? 1)));
  const rtfWall = median(narrated.map((r) => (r.synth_wall_ms ?? 0) / 1000 / (r.speech_seconds ?? 1)));
  process.stdout.write(
    `${JSON.stringify({
      bench: 'render --narrated',
      job: 'the reference job (6 scenes, medium 1280x720@30) narrated (each scene its own narration, about 30 s) over the calm music bed, each scene as long as its speech plus 0.6 s; silent reference: the same job without narration, 5 s scenes',
      runs: RUNS,
      load_avg_1m: round(os.loadavg()[0] ?? 0, 2),
      cores: os.cpus().length,
      voice: narrated[0]?.voice ?? null,
      silent_video_seconds: silent[0]?.video_seconds ?? null,
      narrated_video_seconds: narrated[0]?.video_seconds ?? null,
      speech_seconds: round(narrated[0]?.speech_seconds ?? 0, 2),
      silent_wall_ms: round(median(silent.map((r) => r.wall_ms)), 0),
      narrated_wall_ms: round(median(narrated.map((r) => r.wall_ms)), 0),
      silent_cpu_ms: round(median(silent.map((r) => r.cpu_ms)), 0),
      narrated_cpu_ms: round(median(narrated.map((r) => r.cpu_ms)), 0),
      wall_per_video_second_ratio: round(ratio),
      cpu_per_video_second_ratio: round(cpuRatio),
      synthesis_cpu_share: round(synthShare),
      synthesis_wall_ms: round(median(narrated.map((r) => r.synth_wall_ms ?? 0)), 0),
      engine_realtime_factor_cpu: round(rtfCpu),
      engine_realtime_factor_wall: round(rtfWall),
      timing: 'each job: integrator.run() in a child Node process; CPU: utime+stime of the child and its reaped children (/proc/self/stat)',
      targets: { wall_per_video_second_ratio_max: 1.4, synthesis_cpu_share_max: 0.15 },
      met: { ratio: ratio <= 1.4, synthesis_share: synthShare <= 0.15 },
    })}\n`,
  );
}

if (process.argv.includes('--child')) {
  child().catch((err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
} else {
  (process.argv.includes('--narrated') ? narratedMain() : main()).catch((err) => {
    process.stderr.write(`${String(err?.stack ?? err)}\n`);
    process.exit(1);
  });
}
