/**
 * Named easing functions: progress 0..1 in, eased 0..1 out (back may overshoot
 * in between). Every entrance and transition goes through one of these, so
 * motion has one vocabulary (Motion Canvas / Remotion style).
 */
export type Easing = (t: number) => number;

const clamp01 = (t: number): number => (t <= 0 ? 0 : t >= 1 ? 1 : t);

export const EASINGS = Object.freeze({
  linear: (t: number) => clamp01(t),
  easeOutCubic: (t: number) => 1 - (1 - clamp01(t)) ** 3,
  easeInOutCubic: (t: number) => {
    const x = clamp01(t);
    return x < 0.5 ? 4 * x * x * x : 1 - (-2 * x + 2) ** 3 / 2;
  },
  easeOutQuart: (t: number) => 1 - (1 - clamp01(t)) ** 4,
  /** Overshoots slightly before settling: for pops. Exactly 0 at 0 and 1 at 1. */
  easeOutBack: (t: number) => {
    const x = clamp01(t);
    if (x === 0 || x === 1) return x;
    const c1 = 1.70158;
    const c3 = c1 + 1;
    return 1 + c3 * (x - 1) ** 3 + c1 * (x - 1) ** 2;
  },
} satisfies Record<string, Easing>);

export type EasingName = keyof typeof EASINGS;
