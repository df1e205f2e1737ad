import type { StageName, StageStatus } from './stages';

/**
 * The pipeline reports to a ProgressSink: which stage it is in and how far
 * through that stage (0..100). It must never throw into the pipeline or block
 * it; implementations isolate their own failures.
 */
export type ProgressSink = (stage: StageName, stagePercentage: number) => void;

/** Minimal logger interface that libraries accept instead of importing winston. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  child(meta: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

/** One stage of a job's progress run, as the run stores it and GET, SSE and webhooks show it. */
export interface StageRecord {
  name: StageName;
  status: StageStatus;
  started_at: string | null;
  completed_at: string | null;
  /** Set once a stage that was started has finished (done, skipped after starting, or failed). */
  duration_ms: number | null;
  /** What the stage told about itself in this run (planning: planner, model, tokens_in/out, latency_ms); absent: nothing. */
  detail?: Record<string, unknown>;
}
