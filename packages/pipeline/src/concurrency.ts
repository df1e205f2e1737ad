import { cpus } from 'node:os';
import type { Quality } from '@vidgen/core';

/** Most scenes in flight per quality: each ffmpeg already uses several threads, larger frames need more memory. */
export const SCENE_CONCURRENCY_CAP: Readonly<Record<Quality, number>> = Object.freeze({ low: 4, medium: 3, high: 2, ultra: 1 });

export interface SceneConcurrencyInput {
  requested?: number;
  quality: Quality;
  cores?: number;
}

/** min(requested, quality cap, cores), at least 1. */
export function effectiveSceneConcurrency(input: SceneConcurrencyInput): number {
  const { requested, quality, cores = availableCores() } = input;
  const cap = SCENE_CONCURRENCY_CAP[quality];
  return Math.max(1, Math.min(requested ?? cap, cap, Math.max(1, Math.floor(cores))));
}

export function availableCores(): number {
  return cpus().length || 1;
}
