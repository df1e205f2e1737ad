import type { RenderPlan } from '@vidgen/core';
import type { SceneRange } from './scene-renderer';

/**
 * Below this many seconds per unit, another unit (a worker thread, a painter
 * with its fonts, an ffmpeg and an IDR) costs more than it saves.
 */
export const UNIT_MIN_SECONDS = 5;

/** How many units a plan renders as: at most the scene concurrency and the scene count, one per UNIT_MIN_SECONDS of video. */
export function unitCount(plan: Pick<RenderPlan, 'scenes' | 'totalFrames' | 'fps'>, concurrency: number): number {
  const byLength = Math.floor(plan.totalFrames / plan.fps / UNIT_MIN_SECONDS);
  return Math.max(1, Math.min(concurrency, plan.scenes.length, byLength));
}

/**
 * Splits a plan's scenes into `units` consecutive, non-empty ranges of about
 * equal frames. Pure.
 */
export function splitUnits(plan: Pick<RenderPlan, 'scenes'>, units: number): SceneRange[] {
  const frames = plan.scenes.map((s) => s.frames);
  const n = Math.max(1, Math.min(units, frames.length));
  const total = frames.reduce((a, b) => a + b, 0);
  const out: SceneRange[] = [];
  let from = 0;
  let done = 0;
  frames.forEach((f, i) => {
    done += f;
    const remainingScenes = frames.length - i - 1;
    const remainingUnits = n - out.length - 1;
    // Close the unit once it reaches its share, keeping at least one scene for each later unit.
    const reached = done >= (total * (out.length + 1)) / n;
    if (remainingUnits > 0 && (reached || remainingScenes === remainingUnits)) {
      out.push({ from, to: i + 1 });
      from = i + 1;
    }
  });
  if (from < frames.length) out.push({ from, to: frames.length });
  return out;
}

/** Global frames [startFrame, endFrame) of a scene range. */
export function rangeFrames(plan: Pick<RenderPlan, 'scenes'>, range: SceneRange): { startFrame: number; endFrame: number } {
  const first = plan.scenes[range.from];
  const last = plan.scenes[range.to - 1];
  if (!first || !last || range.to <= range.from) throw new Error(`scene range [${range.from}, ${range.to}) is outside the plan`);
  return { startFrame: first.startFrame, endFrame: last.startFrame + last.frames };
}
