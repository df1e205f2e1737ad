import { isStageName, type ProgressStage, type StageName } from '@vidgen/core';
import type { RunStatus } from './snapshot';

/**
 * The notification published on `<prefix>:progress` for every accepted write.
 * Small enough to forward as an SSE event as is; `version` is the SSE event id.
 * A client that needs the per-stage detail reads getSnapshot.
 */
export interface ProgressEvent {
  job_id: string;
  version: number;
  run_id: string;
  attempt: number;
  status: RunStatus;
  stage: ProgressStage;
  current_stage: StageName;
  stage_percentage: number;
  percentage: number;
  updated_at: string;
}

/** Parses a channel message; null for anything that is not a progress event (never throws). */
export function parseProgressEvent(message: string): ProgressEvent | null {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(message) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object') return null;
  const { job_id, version, run_id, attempt, status, stage, current_stage, stage_percentage, percentage, updated_at } = raw;
  if (typeof job_id !== 'string' || typeof version !== 'number' || typeof run_id !== 'string') return null;
  if (!isStageName(current_stage) || typeof percentage !== 'number' || typeof updated_at !== 'number') return null;
  return {
    job_id,
    version,
    run_id,
    attempt: Number(attempt),
    status: status as RunStatus,
    stage: stage as ProgressStage,
    current_stage,
    stage_percentage: Number(stage_percentage),
    percentage,
    updated_at: new Date(updated_at).toISOString(),
  };
}
