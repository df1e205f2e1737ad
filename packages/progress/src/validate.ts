import { clampPercentage, roundPercentage } from '@vidgen/core';

/**
 * Type and finiteness checks happen here, before Redis; ordering, run and
 * terminal checks happen atomically in the script.
 * Returns the percentage as stored (clamped to 0..100, two decimals), or null
 * when it is not a finite number (NaN, ±Infinity, strings are refused, not coerced).
 */
export function normalizeStagePercentage(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return roundPercentage(clampPercentage(value));
}

/** Attempts are Bull's attemptsMade-style counters: whole numbers from 0. */
export function isValidAttempt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

