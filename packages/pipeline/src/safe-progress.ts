import type { Logger, ProgressSink, StageName } from '@vidgen/core';
import { clampPercentage } from '@vidgen/core';

/** A job's progress callback as handed in: it may throw, or return a promise that never settles. */
export type ProgressCallback = (stage: StageName, stagePercentage: number) => unknown;

export interface SafeProgressOptions {
  logger?: Logger;
  /** Called for every failure of the callback (sync throw or rejected promise): count it in metrics. */
  onCallbackError?: (err: unknown) => void;
  /** Skip reports closer than this to the previous one of the same stage (0 and 100 always pass). */
  minIntervalMs?: number;
  now?: () => number;
}

/**
 * Isolates the pipeline from its progress callback: the callback is called
 * synchronously inside try/catch and never awaited (a returned promise only gets
 * a rejection handler), percentages are clamped and reports throttled.
 */
export function safeProgressSink(callback: ProgressCallback, options: SafeProgressOptions = {}): ProgressSink {
  const { logger, onCallbackError, minIntervalMs = 200, now = Date.now } = options;
  let lastStage: StageName | null = null;
  let lastAt = -Infinity;
  let lastPct = -1;
  const fail = (err: unknown) => {
    try {
      onCallbackError?.(err);
    } catch {
      /* a failing counter must not fail the pipeline either */
    }
    logger?.warn('progress callback failed', { err: err instanceof Error ? err.message : String(err) });
  };
  return (stage, stagePercentage) => {
    const pct = Math.round(clampPercentage(Number.isFinite(stagePercentage) ? stagePercentage : 0) * 100) / 100;
    const t = now();
    const sameStage = stage === lastStage;
    if (sameStage && pct === lastPct) return;
    if (sameStage && pct !== 0 && pct !== 100 && t - lastAt < minIntervalMs) return;
    lastStage = stage;
    lastAt = t;
    lastPct = pct;
    try {
      const result = callback(stage, pct);
      if (result && typeof (result as PromiseLike<unknown>).then === 'function') {
        (result as PromiseLike<unknown>).then(undefined, fail);
      }
    } catch (err) {
      fail(err);
    }
  };
}
