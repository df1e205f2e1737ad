import { STAGE_NAMES, VidgenError, silentLogger, type Logger, type ProgressSink, type StageName } from '@vidgen/core';
import type { ProgressResult } from './results';
import type { ProgressWriter } from './tracker';

export interface ProgressCallbackOptions {
  tracker: ProgressWriter;
  jobId: string;
  runId: string;
  logger?: Logger;
  /** Minimum gap between writes within one stage (~4 writes/s at 250 ms). */
  minIntervalMs?: number;
  /** Called with each failed write's error (for metrics); its own errors are swallowed. */
  onFailure?: (err: VidgenError) => void;
  clock?: () => number;
}

/** A ProgressSink that also lets the caller wait for the last state to be stored. */
export interface ProgressCallback extends ProgressSink {
  /** Writes whatever is pending now (ignoring the throttle); resolves when done. Never rejects. */
  flush(): Promise<void>;
  /** Writes that failed because Redis was unavailable or errored. */
  readonly failures: number;
  /** True once the tracker refused the run (stale run, terminal, no run): later reports are dropped. */
  readonly stopped: boolean;
}

interface Entry {
  stage: StageName;
  pct: number;
}

type PumpOptions = Required<Omit<ProgressCallbackOptions, 'onFailure'>> & Pick<ProgressCallbackOptions, 'onFailure'>;

/** Refusals after which writing more for this run cannot succeed. */
const FINAL_REFUSALS = new Set(['stale_run', 'terminal', 'no_run']);

/**
 * Fire-and-forget, throttled progress writes for one run. At most one write
 * is in flight; reports arriving meanwhile coalesce to the newest value per
 * stage, so each stage's first report (its boundary) is still written, and
 * only within-stage updates are throttled.
 */
class ProgressPump {
  /** Pending values, at most one per consecutive stage; the last entry is the newest. */
  private readonly queue: Entry[] = [];
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  /** Stage of the last write that reached Redis: only a successful write ends a boundary. */
  private lastStage: StageName | null = null;
  private lastFailed = false;
  private nextAt = 0;
  private flushes = 0;
  private idleWaiters: Array<() => void> = [];
  failures = 0;
  stopped = false;

  private readonly logger: Logger;

  constructor(private readonly options: PumpOptions) {
    this.logger = options.logger;
  }

  report(stage: StageName, pct: number): void {
    if (this.stopped) return;
    const last = this.queue[this.queue.length - 1];
    if (last && last.stage === stage) last.pct = pct;
    else this.queue.push({ stage, pct });
    // A pipeline flapping between stages must not grow the queue without bound.
    if (this.queue.length > STAGE_NAMES.length) this.queue.shift();
    this.kick();
  }

  async flush(): Promise<void> {
    this.flushes += 1;
    try {
      const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      this.kick();
      await idle;
    } finally {
      this.flushes -= 1;
    }
  }

  private kick(): void {
    if (this.running) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.running = true;
    void this.loop().finally(() => {
      this.running = false;
      // A flush may have started just as the loop was leaving, or a later stage queued behind a throttled
      // value (reported while the loop was leaving): keep draining for them.
      if ((this.flushes > 0 || (this.queue.length > 1 && !this.lastFailed)) && this.queue.length > 0 && !this.stopped) this.kick();
      else if (this.queue.length === 0 || this.stopped) this.settle();
    });
  }

  private settle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async loop(): Promise<void> {
    const { clock } = this.options;
    for (;;) {
      const head = this.queue[0];
      if (!head || this.stopped) return;
      const flushing = this.flushes > 0;
      const now = clock();
      // A stage's last value with a later stage queued behind it closes its stage: written at once, or the
      // next stage's boundary (its started_at) would wait out the throttle too (planning showed 250 ms it never took).
      const boundary = (head.stage !== this.lastStage || this.queue.length > 1) && !this.lastFailed;
      if (!flushing && !boundary && now < this.nextAt) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.kick();
        }, this.nextAt - now);
        this.timer.unref();
        return;
      }
      this.queue.shift();
      await this.write(head, flushing);
      // After a failure, wait for the next report or flush instead of retrying on a timer:
      // a long Redis outage must not leave a retry loop running per job.
      if (this.lastFailed && this.flushes === 0) return;
    }
  }

  private async write(entry: Entry, flushing: boolean): Promise<void> {
    const { tracker, jobId, runId, clock, minIntervalMs, onFailure } = this.options;
    let result: ProgressResult;
    try {
      result = await tracker.update(jobId, runId, entry.stage, entry.pct);
    } catch (err) {
      // The tracker never rejects; this guards a misbehaving fake or future change.
      result = { ok: false, reason: 'redis_error', error: new VidgenError('INTERNAL_ERROR', { cause: err }) };
    }
    this.nextAt = clock() + minIntervalMs;
    if (result.ok) {
      this.lastStage = entry.stage;
      this.lastFailed = false;
      return;
    }
    if (result.reason === 'redis_unavailable' || result.reason === 'redis_error') {
      this.failures += 1;
      this.lastFailed = true;
      try {
        onFailure?.(result.error ?? new VidgenError('REDIS_UNAVAILABLE'));
      } catch (err) {
        this.logger.warn('progress onFailure hook threw', { cause: String(err) });
      }
      // Nothing was written, so the value goes back unless something newer
      // replaces it: a newer value of its stage, or a later stage once this
      // stage's boundary is already stored. A flush drops it so it can end
      // while Redis is down.
      const next = this.queue[0];
      const superseded = next !== undefined && (next.stage === entry.stage || entry.stage === this.lastStage);
      if (!flushing && !superseded) this.queue.unshift(entry);
      return;
    }
    if (FINAL_REFUSALS.has(result.reason)) {
      this.stopped = true;
      this.queue.length = 0;
      this.logger.info('progress reporting stopped for this run', { reason: result.reason });
    }
  }
}

/** Creates the pipeline's ProgressSink for one run: synchronous, never throws, never blocks. */
export function createProgressCallback(options: ProgressCallbackOptions): ProgressCallback {
  const { tracker, jobId, runId, logger = silentLogger, minIntervalMs = 250, onFailure, clock = Date.now } = options;
  const log = logger.child({ job_id: jobId, run_id: runId });
  const pump = new ProgressPump({ tracker, jobId, runId, logger: log, minIntervalMs, clock, onFailure });
  const sink = (stage: StageName, stagePercentage: number): void => {
    try {
      pump.report(stage, stagePercentage);
    } catch (err) {
      log.warn('progress report dropped', { cause: String(err) });
    }
  };
  return Object.defineProperties(sink, {
    flush: { value: () => pump.flush() },
    failures: { get: () => pump.failures },
    stopped: { get: () => pump.stopped },
  }) as ProgressCallback;
}
