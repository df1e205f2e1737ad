/**
 * The stage registry: the one list of pipeline stages, their order and their
 * default weights. Pipeline, worker, progress tracker and API all import it.
 * Weights are relative; `normalizeWeights` turns any override into percentages.
 */
export const STAGE_NAMES = [
  'queued',
  'planning',
  'rendering_scenes',
  'combining',
  'generating_thumbnails',
  'encoding_renditions',
  'extracting_metadata',
  'uploading',
  'finalizing',
] as const;

export type StageName = (typeof STAGE_NAMES)[number];

export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export const JOB_STATUSES = ['queued', 'processing', ...TERMINAL_STATUSES] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** What a job's `progress.stage` can show: a stage while it runs, a terminal status after. */
export type ProgressStage = StageName | TerminalStatus;

export type StageWeights = Readonly<Record<StageName, number>>;

/**
 * Default weights, roughly the share of wall time each stage takes on a typical job. Since the
 * stills and the lower HLS rungs come out of the render pass (issue 15), rendering is about 90% of a
 * medium job's wall time (`pnpm bench:publish`: rendering 7.9 s, combining 0.26, renditions 0.41,
 * metadata 0.08, uploading 0.09 of 8.7 s); planning keeps a little for a language-model planner and
 * uploading a little for slow stores, so the bar never sits still at the end.
 */
export const DEFAULT_STAGE_WEIGHTS: StageWeights = Object.freeze({
  queued: 0,
  planning: 2,
  rendering_scenes: 82,
  combining: 3,
  generating_thumbnails: 1,
  encoding_renditions: 5,
  extracting_metadata: 1,
  uploading: 4,
  finalizing: 2,
});

export type StageStatus = 'pending' | 'active' | 'done' | 'skipped' | 'failed';

export function isStageName(value: unknown): value is StageName {
  return typeof value === 'string' && (STAGE_NAMES as readonly string[]).includes(value);
}

/**
 * Whether a job that failed in `stage` had its video rendered (combined) already: one that had
 * is charged its planned seconds of OWNER_DAILY_VIDEO_SECONDS, one that had not gets them back.
 */
export function renderedBefore(stage: StageName | null): boolean {
  return stage !== null && stageIndex(stage) > stageIndex('combining');
}

export function isTerminalStatus(value: unknown): value is TerminalStatus {
  return typeof value === 'string' && (TERMINAL_STATUSES as readonly string[]).includes(value);
}

export function stageIndex(stage: StageName): number {
  return STAGE_NAMES.indexOf(stage);
}

/** Scales weights so they sum to 100; rejects negative, non-finite or all-zero weights. */
export function normalizeWeights(weights: StageWeights = DEFAULT_STAGE_WEIGHTS): StageWeights {
  let total = 0;
  for (const name of STAGE_NAMES) {
    const w = weights[name];
    if (!Number.isFinite(w) || w < 0) throw new RangeError(`stage weight for ${name} must be a finite number >= 0`);
    total += w;
  }
  if (total <= 0) throw new RangeError('stage weights must not all be zero');
  const out = {} as Record<StageName, number>;
  for (const name of STAGE_NAMES) out[name] = (weights[name] / total) * 100;
  return Object.freeze(out);
}

/** Rounds to the fixed precision progress is stored with (two decimals). */
export function roundPercentage(value: number): number {
  return Math.round(value * 100) / 100;
}

export function clampPercentage(value: number): number {
  return Math.min(100, Math.max(0, value));
}

/**
 * Overall percentage = sum of finished (done or skipped) stages' weights
 * + the current stage's weight × its own percentage.
 */
export function overallPercentage(
  finished: Iterable<StageName>,
  current: StageName | null,
  stagePercentage: number,
  weights: StageWeights = normalizeWeights(),
): number {
  let sum = 0;
  const seen = new Set<StageName>();
  for (const name of finished) {
    if (seen.has(name)) continue;
    seen.add(name);
    sum += weights[name];
  }
  if (current && !seen.has(current)) sum += weights[current] * (clampPercentage(stagePercentage) / 100);
  return roundPercentage(clampPercentage(sum));
}
