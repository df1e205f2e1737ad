import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as path from 'node:path';
import { planVideo, type PlanInput, type RenderPlanConfiguration } from '@vidgen/core';
import { createPainter } from '../painter';
import { motionRanges } from '../timing';
import { rgbaToPng } from './png';

/**
 * `pnpm bench:painter [job.json] [--png dir]`: the painter alone, in this one
 * thread, on the reference job (tools/bench/fixtures/reference-job.json by
 * default): CPU per drawn frame (process.cpuUsage around frame(n), into one
 * of three buffers used in turn, as a render unit reuses its own), medians of 3 passes with a fresh painter each,
 * one JSON line. CPU, not wall time: the machine is shared. With --png, writes
 * a few frames per scene (mid-entrance, settled, mid-transition) for comparing
 * pictures before and after a change.
 */
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

function main(): void {
  const args = process.argv.slice(2);
  const pngAt = args.indexOf('--png');
  const pngDir = pngAt >= 0 ? args[pngAt + 1] : undefined;
  const jobFile = args.find((a, i) => !a.startsWith('--') && i !== pngAt + 1) ?? path.resolve(__dirname, '../../../../tools/bench/fixtures/reference-job.json');
  const { configuration } = JSON.parse(readFileSync(jobFile, 'utf8')) as { configuration: PlanInput & RenderPlanConfiguration };
  const plan = planVideo(configuration);
  const frames = motionRanges(plan).flatMap(([a, b]) => Array.from({ length: b - a }, (_, i) => a + i));

  const passes: Array<{ setupMs: number; perFrame: number[]; totalMs: number }> = [];
  for (let pass = 0; pass < 3; pass++) {
    const t0 = process.cpuUsage();
    // As a render unit asks for it (paint-unit.ts).
    const painter = createPainter(plan, { pixelFormat: 'bgr24' });
    const setupMs = cpuMs(process.cpuUsage(t0));
    const perFrame: number[] = [];
    const buffers = [0, 1, 2].map(() => Buffer.alloc(plan.width * plan.height * 3));
    const all = process.cpuUsage();
    for (const [f, n] of frames.entries()) {
      const t = process.cpuUsage();
      painter.frame(n, buffers[f % buffers.length]);
      perFrame.push(cpuMs(process.cpuUsage(t)));
    }
    passes.push({ setupMs, perFrame, totalMs: cpuMs(process.cpuUsage(all)) });
  }

  if (pngDir) {
    mkdirSync(pngDir, { recursive: true });
    const painter = createPainter(plan);
    for (const s of plan.scenes) {
      const tf = s.transition.type === 'cut' ? 0 : Math.min(s.frames, s.transition.frames);
      const picks: Array<[string, number]> = [
        ['entrance', s.startFrame + 8],
        ['build', s.startFrame + 30],
        ['settled', s.startFrame + s.frames - tf - 1],
      ];
      if (tf > 0) picks.push(['transition', s.startFrame + s.frames - Math.ceil(tf / 2)]);
      for (const [name, n] of picks) writeFileSync(path.join(pngDir, `${s.index}-${s.layout}-${name}.png`), rgbaToPng(plan.width, plan.height, painter.frame(n)));
    }
  }

  const all = passes.flatMap((p) => p.perFrame);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'painter',
      load_avg_1m: round(os.loadavg()[0] ?? 0, 2),
      width: plan.width,
      height: plan.height,
      drawn_frames: frames.length,
      total_frames: plan.totalFrames,
      setup_cpu_ms: round(median(passes.map((p) => p.setupMs)), 1),
      frame_cpu_ms_median: round(median(all), 2),
      frame_cpu_ms_p90: round([...all].sort((a, b) => a - b)[Math.floor(all.length * 0.9)] ?? NaN, 2),
      frames_cpu_ms_total: round(median(passes.map((p) => p.totalMs)), 0),
    })}\n`,
  );
}

main();
