import { STAGE_NAMES, type JobRecord, type JobStatus, type ProgressStage, type StageStatus } from '@vidgen/core';
import type { ProgressSnapshot, StageRecord } from '@vidgen/progress';

export interface ProgressView {
  percentage: number;
  stage: ProgressStage;
  stage_percentage: number;
  stages: StageRecord[];
  eta_seconds: number | null;
}

/** What GET shows about progress and what every SSE event carries: one function, so both are equal. */
export interface JobProgressState {
  job_id: string;
  status: JobStatus;
  attempt: number;
  /** The tracker's version (0 before the first run): the SSE event id. */
  version: number;
  /**
   * Nothing newer can follow: the job is finished and so is its tracker run (or
   * there is no run of this attempt to finish). Between the worker's store.complete
   * and tracker.finish the record is terminal but not yet final.
   */
  final: boolean;
  progress: ProgressView;
}

const isTerminal = (status: JobStatus) => status === 'completed' || status === 'failed' || status === 'cancelled';

function pendingStages(): StageRecord[] {
  return STAGE_NAMES.map((name) => ({ name, status: 'pending', started_at: null, completed_at: null, duration_ms: null }));
}

/** Stages of a finished record whose tracker run was not finished (yet): unfinished stages take the outcome. */
function settle(stages: StageRecord[], outcome: StageStatus, from: readonly StageStatus[]): StageRecord[] {
  return stages.map((s) => (from.includes(s.status) ? { ...s, status: outcome } : s));
}

/**
 * Combines the job record (the source of truth for status) with the tracker
 * snapshot (the detail). The record wins on status: the worker stores the
 * outcome before it finishes the tracker run, and a retry puts the record back
 * to queued while the old run's snapshot is still there.
 */
export function presentProgress(record: JobRecord, snapshot: ProgressSnapshot | null): JobProgressState {
  const { job_id, status } = record;
  const version = snapshot?.version ?? 0;
  const runOfThisAttempt = snapshot !== null && snapshot.attempt === record.attempt;
  const final = isTerminal(status) && !(runOfThisAttempt && snapshot.status === 'processing');
  const base = { job_id, status, version, final };

  if (status === 'completed') {
    const stages = snapshot ? settle(snapshot.stages, 'done', ['pending', 'active']) : settle(pendingStages(), 'done', ['pending']);
    return {
      ...base,
      attempt: snapshot?.attempt ?? record.attempt,
      progress: { percentage: 100, stage: 'completed', stage_percentage: 100, stages, eta_seconds: 0 },
    };
  }
  if (isTerminal(status)) {
    // The run's position stays where it stopped; the interrupted stage shows as failed (as the tracker marks it).
    return {
      ...base,
      attempt: snapshot?.attempt ?? record.attempt,
      progress: {
        percentage: snapshot?.percentage ?? record.progress.percentage,
        stage: status,
        stage_percentage: snapshot?.stage_percentage ?? 0,
        stages: snapshot ? settle(snapshot.stages, 'failed', ['active']) : pendingStages(),
        eta_seconds: null,
      },
    };
  }
  // Processing with the current attempt's run: the tracker's view as is.
  if (status === 'processing' && snapshot?.status === 'processing' && snapshot.attempt === record.attempt) {
    const { percentage, stage, stage_percentage, stages, eta_seconds } = snapshot;
    return { ...base, attempt: snapshot.attempt, progress: { percentage, stage, stage_percentage, stages, eta_seconds } };
  }
  // Queued, waiting for a retry, or picked up but the run not started yet.
  return {
    ...base,
    attempt: record.attempt,
    progress: { percentage: 0, stage: 'queued', stage_percentage: 0, stages: pendingStages(), eta_seconds: null },
  };
}

/** The JSON of one SSE event: exactly the fields GET shows for them. */
export function eventData(state: JobProgressState): { job_id: string; status: JobStatus; progress: ProgressView } {
  return { job_id: state.job_id, status: state.status, progress: state.progress };
}

export { isTerminal as isTerminalJobStatus };
