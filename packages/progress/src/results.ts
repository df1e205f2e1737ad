import type { ProgressStage, StageName, VidgenError } from '@vidgen/core';

/** Why the tracker refused a write. Refusals are results, never exceptions. */
export const REFUSAL_REASONS = [
  /** No run has been started for this job (startRun was never called or the key expired). */
  'no_run',
  /** The update carries a run id other than the job's current run (a worker that lost the job). */
  'stale_run',
  'invalid_percentage',
  'invalid_attempt',
  /** finish() was given something other than completed, failed or cancelled. */
  'invalid_status',
  'unknown_stage',
  /** The stage is behind the current one, or already finished (done or skipped). */
  'stage_regress',
  /** The stage percentage is lower than the stored one, so the overall percentage would drop. */
  'percentage_regress',
  /** The job is completed, failed or cancelled: nothing leaves a terminal status. */
  'terminal',
  /** Redis could not be reached; the error is a categorized REDIS_UNAVAILABLE. */
  'redis_unavailable',
  /** Redis answered with an unexpected error (a bug, not an outage). */
  'redis_error',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** Refusals decided inside the Lua script (the rest are decided in TypeScript or by the connection). */
export type ScriptRefusal = Exclude<RefusalReason, 'invalid_attempt' | 'redis_unavailable' | 'redis_error'>;

export interface Refused {
  ok: false;
  reason: RefusalReason;
  /** Set for redis_unavailable / redis_error. */
  error?: VidgenError;
}

/** What an accepted write stored: the job's new version and its overall position. */
export interface Accepted {
  ok: true;
  version: number;
  run_id: string;
  percentage: number;
  stage: ProgressStage;
  /** The registry stage the run is in (also after a terminal status). */
  current_stage: StageName;
  stage_percentage: number;
}

export type ProgressResult = Accepted | Refused;
export type StartRunResult = (Accepted & { runId: string }) | Refused;

export function isDependencyFailure(result: ProgressResult): boolean {
  return !result.ok && (result.reason === 'redis_unavailable' || result.reason === 'redis_error');
}
