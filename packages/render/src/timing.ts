import { captionChangeFrames } from './captions';
import { BUILD_STAGGER_SECONDS, COUNT_UP_SECONDS, ENTRANCE_SECONDS, builtItemCount, type RenderPlan, type RenderPlanScene } from '@vidgen/core';

/**
 * When things move, in frames. Everything here is derived from the plan
 * alone (no fonts, no canvas), so motionRanges and the painter agree by
 * construction: the painter's elements take their windows from
 * sceneSchedule, and motionRanges is the union of those windows.
 */
export interface Window {
  /** Local frame (from the scene's first frame) at which the element first shows. */
  from: number;
  /** Frames of motion; 0 = instantaneous (animation 'none'). */
  frames: number;
}

/**
 * Progress of a window at local frame k: 0 before it (the element is not
 * drawn at all), 1/frames on its first frame, exactly 1 on its last frame
 * (from + frames - 1) and after. So frames from+frames.. are final and
 * identical.
 */
export function progressAt(w: Window, k: number): number {
  if (k < w.from) return 0;
  if (w.frames <= 0) return 1;
  return Math.min(1, (k - w.from + 1) / w.frames);
}

/** First local frame at which the window's progress is 1. */
export function completeAt(w: Window): number {
  return w.frames <= 0 ? w.from : w.from + w.frames - 1;
}

export interface SceneSchedule {
  title: Window;
  body: Window;
  /** A secondary element following the body: a quote's attribution, a stat's label, a title scene's subtitle. */
  after: Window;
  /** A stat's count-up. */
  count: Window;
  items: Window[];
}

export function sceneSchedule(scene: RenderPlanScene, fps: number): SceneSchedule {
  const animated = scene.animation !== 'none';
  const win = (atSeconds: number, seconds: number): Window =>
    animated ? { from: Math.max(0, Math.round(atSeconds * fps)), frames: Math.max(1, Math.round(seconds * fps)) } : { from: 0, frames: 0 };
  const t = scene.timeline;
  const n = builtItemCount(scene.layout, scene.content);
  const items: Window[] = [];
  for (let i = 0; i < n; i++) {
    // A plan always gives one time per built item; a hand-made one that does not still builds in order.
    const at = t.items[i] ?? t.body + i * BUILD_STAGGER_SECONDS;
    items.push(win(at, ENTRANCE_SECONDS));
  }
  return {
    title: win(t.title, ENTRANCE_SECONDS),
    body: win(t.body, ENTRANCE_SECONDS),
    after: win(t.body + BUILD_STAGGER_SECONDS, ENTRANCE_SECONDS),
    count: win(t.body, t.countSeconds ?? COUNT_UP_SECONDS),
    items,
  };
}

/** The windows a layout actually uses (motionRanges covers exactly these). */
export function usedWindows(scene: RenderPlanScene, s: SceneSchedule): Window[] {
  const c = scene.content;
  const out: Window[] = [];
  if (c.title !== undefined) out.push(s.title);
  switch (scene.layout) {
    case 'title':
    case 'closing':
      if (c.text !== undefined) out.push(s.after);
      break;
    case 'stat':
      out.push(s.body, s.count);
      if (c.label !== undefined) out.push(s.after);
      break;
    case 'quote':
      out.push(s.body);
      if (c.attribution !== undefined) out.push(s.after);
      break;
    case 'comparison':
      out.push(s.body);
      break;
    case 'bullets':
    case 'steps':
    case 'chart':
      break;
    default:
      out.push(s.body);
  }
  out.push(...s.items);
  return out;
}

function merge(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/**
 * The global frame ranges [from, to) in which something moves: every frame
 * outside them is pixel-identical to the frame before it. Frame 0 and every
 * scene's first frame are inside a range. With the progress bar on, every
 * frame moves. Burned captions add the frames where their picture changes.
 */
export function motionRanges(plan: RenderPlan): Array<[number, number]> {
  if (plan.totalFrames <= 0) return [];
  if (plan.progressBar) return [[0, plan.totalFrames]];
  const ranges: Array<[number, number]> = [[0, 1]];
  for (const scene of plan.scenes) {
    const start = scene.startFrame;
    const end = start + scene.frames;
    ranges.push([start, start + 1]);
    for (const w of usedWindows(scene, sceneSchedule(scene, plan.fps))) {
      ranges.push([Math.min(end, start + w.from), Math.min(end, start + w.from + Math.max(1, w.frames))]);
    }
    const tf = Math.min(scene.frames, scene.transition.frames);
    if (scene.transition.type !== 'cut' && tf > 0 && scene.index < plan.scenes.length - 1) ranges.push([end - tf, end]);
  }
  // Burned captions change the picture where a caption starts or ends and where each word starts.
  for (const f of captionChangeFrames(plan.captions)) ranges.push([f, f + 1]);
  return merge(ranges.map(([a, b]) => [Math.max(0, a), Math.min(plan.totalFrames, b)]));
}
