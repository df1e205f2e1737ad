import type { RenderPlan } from '@vidgen/core';
import type { Painter, PainterOptions } from '@vidgen/render';

export type { Painter, PainterOptions };

/**
 * What a unit loads, by module path, inside its worker thread: the drawing
 * library's two functions of the renderer contract (issue 12). A unit needs
 * nothing but the plan.
 */
export interface PainterModule {
  /** A painter may ignore a pixel format it does not offer: its pixelFormat says what it hands out. */
  createPainter(plan: RenderPlan, options?: PainterOptions): Painter;
  /** Global frame ranges [from, to) where something moves; every other frame equals the one before it. */
  motionRanges(plan: RenderPlan): Array<[number, number]>;
}

/** The drawing library the units load unless told otherwise: @vidgen/render. */
export function defaultPainterModule(): string {
  return require.resolve('@vidgen/render');
}
