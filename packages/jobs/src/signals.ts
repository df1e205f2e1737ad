import { VidgenError, type Logger } from '@vidgen/core';

/** The part of the worker's CancellationRegistry an attempt needs (a fake in unit tests). */
export interface JobSignalSource {
  signalFor(jobId: string): AbortSignal;
  abort(jobId: string, reason: VidgenError): boolean;
  release(jobId: string): void;
}

export interface AttemptScope {
  signal: AbortSignal;
  /** Clears the time limit and releases the job's signal; call once, in `finally`. */
  end(): void;
}

export interface AttemptSignalsOptions {
  registry: JobSignalSource;
  /** Time limit of one attempt (JOB_TIMEOUT_MS). */
  timeoutMs: number;
  /** Whether the job record is cancelled now: a cancel message counts only then. */
  isCancelled: (jobId: string) => Promise<boolean>;
  setTimer?: (fn: () => void, ms: number) => { unref?: () => unknown };
  clearTimer?: (timer: unknown) => void;
}

/**
 * One AbortSignal per running attempt, aborted by whichever comes first: a
 * cancel from the control channel (JOB_CANCELLED), the attempt's time limit
 * (JOB_TIMEOUT), or a worker shutdown (`abortAll`, WORKER_SHUTDOWN). The
 * reason travels as the signal's `reason`, so the handler reports the cause,
 * not the symptom (a killed ffmpeg).
 *
 * A cancel message is checked against the record first: one that belongs to
 * an earlier submission of the job (cancelled while waiting, then POST /retry;
 * the message can arrive late, or be remembered by the registry) must not
 * abort the new attempt. It is then dropped and the attempt listens again.
 */
export class AttemptSignals {
  private readonly running = new Map<string, (reason: VidgenError) => void>();
  private readonly registry: JobSignalSource;
  private readonly timeoutMs: number;
  private readonly isCancelled: (jobId: string) => Promise<boolean>;
  private readonly setTimer: NonNullable<AttemptSignalsOptions['setTimer']>;
  private readonly clearTimer: NonNullable<AttemptSignalsOptions['clearTimer']>;

  constructor(options: AttemptSignalsOptions) {
    const { registry, timeoutMs, isCancelled, setTimer = setTimeout, clearTimer = (t) => clearTimeout(t as NodeJS.Timeout) } = options;
    this.registry = registry;
    this.timeoutMs = timeoutMs;
    this.isCancelled = isCancelled;
    this.setTimer = setTimer;
    this.clearTimer = clearTimer;
  }

  begin(jobId: string): AttemptScope {
    const controller = new AbortController();
    let ended = false;
    const abort = (reason: VidgenError) => {
      if (!ended && !controller.signal.aborted) controller.abort(reason);
    };
    const listen = () => {
      const source = this.registry.signalFor(jobId);
      const onCancel = async () => {
        // A cancel that cannot be checked (Redis away) still stops the work: stopping is the safe side.
        const real = await this.isCancelled(jobId).catch(() => true);
        if (ended) return;
        if (real) return abort(source.reason instanceof VidgenError ? source.reason : new VidgenError('JOB_CANCELLED'));
        this.registry.release(jobId);
        listen();
      };
      if (source.aborted) void onCancel();
      else source.addEventListener('abort', () => void onCancel(), { once: true });
    };
    listen();
    this.running.set(jobId, abort);
    const timer = this.setTimer(() => {
      abort(new VidgenError('JOB_TIMEOUT', { message: `The job ran longer than its time limit of ${Math.round(this.timeoutMs / 1000)} s.` }));
    }, this.timeoutMs);
    // A pending time limit must not keep a stopping worker alive.
    timer.unref?.();
    return {
      signal: controller.signal,
      end: () => {
        if (ended) return;
        ended = true;
        this.clearTimer(timer);
        this.running.delete(jobId);
        this.registry.release(jobId);
      },
    };
  }

  /** Aborts every running attempt (worker shutdown); returns their job ids. */
  abortAll(reason: () => VidgenError): string[] {
    const ids = [...this.running.keys()];
    for (const [, abort] of this.running) abort(reason());
    return ids;
  }

  get size(): number {
    return this.running.size;
  }
}

/** The error an aborted attempt reports: the signal's reason when it is ours, else the classified error. */
export function abortCause(signal: AbortSignal): VidgenError | null {
  return signal.aborted && signal.reason instanceof VidgenError ? signal.reason : null;
}

export interface DrainOptions {
  /** The consumer: close() stops taking jobs and waits for the active ones; close(true) does not wait. */
  queue: { close(doNotWait?: boolean): Promise<void> };
  signals: Pick<AttemptSignals, 'abortAll'>;
  /** WORKER_SHUTDOWN_GRACE_MS: how long the active jobs may run on. */
  graceMs: number;
  /** After the abort: how long the aborted attempts get to record themselves and clean up. */
  abortWaitMs?: number;
  logger: Logger;
}

function within<T>(promise: Promise<T>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    promise.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });
}

/**
 * Graceful shutdown of the job consumer. The queue's close() stops taking jobs and
 * waits for the active ones. Past the grace period the active attempts are
 * aborted with WORKER_SHUTDOWN: ffmpeg is killed, the scratch dir removed,
 * the record goes back to queued with that error as last_error, and the
 * handler throws it, so the queue retries the job after its backoff on
 * another worker; a shutdown never uses up a job's last attempt (see
 * recordFailure). Only if the aborted attempts do not settle in time is the
 * queue closed without them; their jobs then return through the queue's
 * stalled-job check once the lock expires.
 */
export async function drainJobs(options: DrainOptions): Promise<void> {
  const { queue, signals, graceMs, abortWaitMs = 15000, logger } = options;
  const closed = queue.close();
  if (await within(closed, graceMs)) return;
  const aborted = signals.abortAll(() => new VidgenError('WORKER_SHUTDOWN'));
  logger.warn('grace period over: aborting the active jobs, they return to the queue', { grace_ms: graceMs, job_ids: aborted });
  if (await within(closed, abortWaitMs)) return;
  logger.warn('aborted jobs did not settle; closing the queue without them, they return when their locks expire');
  await queue.close(true).catch(() => undefined);
}
