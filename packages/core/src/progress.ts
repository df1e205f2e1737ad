import type { StageName } from './stages';

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
