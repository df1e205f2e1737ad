import {
  normalizeWeights,
  overallPercentage,
  type Logger,
  type ProgressSink,
  type StageName,
  type StageWeights,
} from '@vidgen/core';
import type { JobStore } from '@vidgen/queue';

/**
 * The skeleton's progress sink: keeps which stages are finished in memory,
 * computes the overall percentage from the registry weights and writes it to
 * the job record. Writes are fire-and-forget, at most one in flight, newest
 * value wins; a failed write is logged and never reaches the pipeline.
 */
export class StageProgress {
  private readonly finished = new Set<StageName>();
  private current: StageName | null = null;
  private inFlight: Promise<void> | null = null;
  private pending: { stage: StageName; overall: number } | null = null;
  failures = 0;

  constructor(
    private readonly store: JobStore,
    private readonly jobId: string,
    private readonly logger: Logger,
    private readonly weights: StageWeights = normalizeWeights(),
  ) {}

  readonly sink: ProgressSink = (stage, stagePercentage) => {
    try {
      if (this.current && this.current !== stage) this.finished.add(this.current);
      this.current = stage;
      const pct = Number.isFinite(stagePercentage) ? stagePercentage : 0;
      this.write(stage, overallPercentage(this.finished, stage, pct, this.weights));
    } catch (err) {
      this.failures += 1;
      this.logger.warn('progress sink failed', { err });
    }
  };

  /** A stage this job does not run counts as finished. */
  skip(stage: StageName): void {
    this.finished.add(stage);
  }

  private write(stage: StageName, overall: number): void {
    this.pending = { stage, overall };
    if (!this.inFlight) this.inFlight = this.drain();
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const { stage, overall } = this.pending;
      this.pending = null;
      try {
        await this.store.setProgress(this.jobId, stage, overall);
      } catch (err) {
        this.failures += 1;
        this.logger.warn('progress write failed', { err, stage });
      }
    }
    this.inFlight = null;
  }

  /** Waits until the newest value has been written (or has failed). */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
  }
}
