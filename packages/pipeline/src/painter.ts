import type { RenderPlan } from '@vidgen/core';

/**
 * What the engine needs from the drawing library (@vidgen/render, the
 * renderer contract of issue 12). Loaded by module path inside each unit's
 * worker thread, so a unit needs nothing but the plan.
 */
export interface Painter {
  readonly width: number;
  readonly height: number;
  readonly pixelFormat: 'rgba' | 'bgra';
  /** Raw pixels of global frame n; the buffer may be reused by the next call. */
  frame(n: number): Buffer;
  readonly warnings: string[];
}

export interface PainterModule {
  createPainter(plan: RenderPlan): Painter;
  /** Global frame ranges [from, to) where something moves; every other frame equals the one before it. */
  motionRanges(plan: RenderPlan): Array<[number, number]>;
}

/** The drawing library the workers load unless told otherwise. */
export function defaultPainterModule(): string {
  return require.resolve('@vidgen/render');
}
