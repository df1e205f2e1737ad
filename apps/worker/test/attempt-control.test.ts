import { VidgenError, type JobError, type StageName } from '@vidgen/core';
import type { TransitionResult } from '@vidgen/queue';
import { AttemptSignals, abortCause, drainJobs, recordFailure, type JobSignalSource, type QueuedJob } from '@vidgen/jobs';
import { waitFor } from '@vidgen/testing';

const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } } as never;

/** A registry like CancellationRegistry, without Redis. */
class FakeRegistry implements JobSignalSource {
  readonly controllers = new Map<string, AbortController>();
  signalFor(jobId: string): AbortSignal {
    if (!this.controllers.has(jobId)) this.controllers.set(jobId, new AbortController());
    return this.controllers.get(jobId)!.signal;
  }
  abort(jobId: string, reason: VidgenError): boolean {
    const c = this.controllers.get(jobId);
    c?.abort(reason);
    return c !== undefined;
  }
  release(jobId: string): void {
    this.controllers.delete(jobId);
  }
}

/** Timers fired by hand. */
function manualTimers() {
  const pending = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  return {
    pending,
    setTimer: (fn: () => void, ms: number) => {
      const id = ++next;
      pending.set(id, { fn, ms });
      return id as never;
    },
    clearTimer: (id: unknown) => void pending.delete(id as number),
    fireAll: () => [...pending.values()].forEach((t) => t.fn()),
  };
}

describe('AttemptSignals', () => {
  it('aborts an attempt with JOB_TIMEOUT when its time limit passes, and not after it ended', () => {
    const registry = new FakeRegistry();
    const timers = manualTimers();
    const signals = new AttemptSignals({ registry, timeoutMs: 60000, isCancelled: async () => true, setTimer: timers.setTimer, clearTimer: timers.clearTimer });
    const slow = signals.begin('slow');
    const quick = signals.begin('quick');
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([60000, 60000]);
    quick.end();
    expect(timers.pending.size).toBe(1);
    timers.fireAll();
    expect(abortCause(slow.signal)).toMatchObject({ code: 'JOB_TIMEOUT', category: 'timeout', retryable: true });
    expect(quick.signal.aborted).toBe(false);
    slow.end();
    expect(registry.controllers.size).toBe(0);
    expect(signals.size).toBe(0);
  });

  it('aborts every running attempt on shutdown', () => {
    const registry = new FakeRegistry();
    const timers = manualTimers();
    const signals = new AttemptSignals({ registry, timeoutMs: 60000, isCancelled: async () => true, setTimer: timers.setTimer, clearTimer: timers.clearTimer });
    const one = signals.begin('one');
    const two = signals.begin('two');
    expect(signals.abortAll(() => new VidgenError('WORKER_SHUTDOWN')).sort()).toEqual(['one', 'two']);
    expect([abortCause(one.signal)?.code, abortCause(two.signal)?.code]).toEqual(['WORKER_SHUTDOWN', 'WORKER_SHUTDOWN']);
  });

  it('aborts for a cancel only while the record is cancelled; a stale cancel of an earlier submission is dropped', async () => {
    const registry = new FakeRegistry();
    const cancelled = new Set<string>();
    const signals = new AttemptSignals({ registry, timeoutMs: 60000, isCancelled: async (id) => cancelled.has(id) });
    const scope = signals.begin('j1');
    registry.abort('j1', new VidgenError('JOB_CANCELLED'));
    // The registry handed out a fresh signal for the attempt to listen on.
    await waitFor(async () => registry.controllers.get('j1')?.signal.aborted, (a) => a === false, { timeoutMs: 1000, what: 'a fresh signal' });
    expect(scope.signal.aborted).toBe(false);
    cancelled.add('j1');
    registry.abort('j1', new VidgenError('JOB_CANCELLED'));
    await waitFor(async () => scope.signal.aborted, Boolean, { timeoutMs: 1000, what: 'the abort' });
    expect(abortCause(scope.signal)?.code).toBe('JOB_CANCELLED');
    scope.end();
  });

  it('reports no cause for a signal that was not aborted or was aborted by something else', () => {
    const c = new AbortController();
    expect(abortCause(c.signal)).toBeNull();
    c.abort(new Error('plain'));
    expect(abortCause(c.signal)).toBeNull();
  });
});

describe('recordFailure', () => {
  function setup(options: { attemptsMade: number; attempts: number; refuse?: TransitionResult }) {
    const calls: string[] = [];
    const errors: JobError[] = [];
    // A queue job as the queue hands it out; the extra attempt a shutdown is granted shows in attemptsAllowed.
    const job: QueuedJob = {
      id: 'j1',
      data: { job_id: 'j1', correlation_id: 'c1' },
      attempt: options.attemptsMade + 1,
      attemptsAllowed: options.attempts,
      retryEvenIfLast() {
        job.attemptsAllowed = Math.max(job.attemptsAllowed, job.attempt + 1);
      },
      failPermanently: async () => void calls.push('discard'),
    };
    const transition = (name: string) => async (_id: string, error: JobError) => {
      calls.push(name);
      errors.push(error);
      return options.refuse ?? 'ok';
    };
    const store = { markRetrying: transition('markRetrying'), fail: transition('fail') };
    const run = (error: VidgenError) => recordFailure({ job, error, stage: 'rendering_scenes', attempt: 4, store: store as never, logger });
    return { job, calls, errors, run, store };
  }

  it('puts a retryable failure with attempts left back to queued and throws it for Bull', async () => {
    const s = setup({ attemptsMade: 0, attempts: 3 });
    const error = new VidgenError('RENDER_FAILED', { retryable: true, details: { stderr_tail: 'boom' } });
    await expect(s.run(error)).rejects.toBe(error);
    expect(s.calls).toEqual(['markRetrying']);
    expect(s.errors[0]).toMatchObject({ code: 'RENDER_FAILED', category: 'rendering', retryable: true, stage: 'rendering_scenes', attempt: 4, details: { stderr_tail: 'boom' } });
    expect(s.errors[0]).not.toHaveProperty('stack');
  });

  it('fails the job and discards the Bull job on a permanent error', async () => {
    const s = setup({ attemptsMade: 0, attempts: 3 });
    await expect(s.run(new VidgenError('RENDER_FAILED'))).rejects.toMatchObject({ code: 'RENDER_FAILED' });
    expect(s.calls).toEqual(['fail', 'discard']);
  });

  it('fails a retryable error on the last attempt without discarding', async () => {
    const s = setup({ attemptsMade: 2, attempts: 3 });
    await expect(s.run(new VidgenError('JOB_TIMEOUT'))).rejects.toMatchObject({ code: 'JOB_TIMEOUT' });
    expect(s.calls).toEqual(['fail']);
  });

  it('returns a shutdown to the queue even on the last attempt, leaving Bull one more', async () => {
    const s = setup({ attemptsMade: 2, attempts: 3 });
    await expect(s.run(new VidgenError('WORKER_SHUTDOWN'))).rejects.toMatchObject({ code: 'WORKER_SHUTDOWN' });
    expect(s.calls).toEqual(['markRetrying']);
    expect(s.job.attemptsAllowed).toBe(4);
  });

  it('gives the daily video seconds back when the job ends before its video was rendered, charges them after; not on a retry', async () => {
    const cases: Array<[StageName | null, 'release' | 'charge', number]> = [
      [null, 'release', 0],
      ['planning', 'release', 0],
      ['combining', 'release', 0],
      ['encoding_renditions', 'charge', 0],
      ['uploading', 'charge', 0],
      // A retryable failure on the last attempt ends the job as well.
      ['rendering_scenes', 'release', 2],
    ];
    for (const [stage, expected, attemptsMade] of cases) {
      const s = setup({ attemptsMade, attempts: 3 });
      s.job.id = 'j1-r2';
      const budgetCalls: string[] = [];
      const seconds = { release: async (owner: string, id: string) => (budgetCalls.push(`release ${owner} ${id}`), true), charge: async (owner: string, id: string) => void budgetCalls.push(`charge ${owner} ${id}`) };
      const error = new VidgenError(stage === 'rendering_scenes' ? 'RENDER_FAILED' : 'VIDEO_TOO_LONG', { retryable: stage === 'rendering_scenes' });
      await expect(recordFailure({ job: s.job, error, stage, attempt: 1, store: s.store as never, budget: { seconds, owner: 'alice' }, logger })).rejects.toBe(error);
      expect({ stage, budgetCalls }).toEqual({ stage, budgetCalls: [`${expected} alice j1-r2`] });
    }
    // And a retry that is left keeps the reservation as it is.
    const s = setup({ attemptsMade: 0, attempts: 3 });
    const calls: string[] = [];
    const seconds = { release: async () => (calls.push('release'), true), charge: async () => void calls.push('charge') };
    await expect(recordFailure({ job: s.job, error: new VidgenError('RENDER_FAILED', { retryable: true }), stage: 'planning', attempt: 1, store: s.store as never, budget: { seconds, owner: 'alice' }, logger })).rejects.toMatchObject({ code: 'RENDER_FAILED' });
    expect(calls).toEqual([]);
  });

  it('returns quietly when the job was cancelled meanwhile (the transition is refused)', async () => {
    for (const error of [new VidgenError('JOB_CANCELLED'), new VidgenError('STORAGE_UPLOAD_FAILED')]) {
      const s = setup({ attemptsMade: 0, attempts: 3, refuse: 'cancelled' });
      await expect(s.run(error)).resolves.toBeUndefined();
      expect(s.calls).toHaveLength(1);
    }
  });
});

describe('drainJobs', () => {
  function fakeQueue() {
    let finish: () => void = () => {};
    const done = new Promise<void>((r) => (finish = r));
    const closes: Array<boolean | undefined> = [];
    return { closes, finish, queue: { close: (doNotWait?: boolean) => (closes.push(doNotWait), doNotWait ? Promise.resolve() : done) } };
  }

  it('lets the active job finish within the grace period without aborting it', async () => {
    const q = fakeQueue();
    const aborted: string[] = [];
    const drained = drainJobs({ queue: q.queue as never, signals: { abortAll: () => (aborted.push('all'), []) }, graceMs: 60000, logger });
    q.finish();
    await drained;
    expect(aborted).toEqual([]);
    expect(q.closes).toEqual([undefined]);
  });

  it('aborts the active jobs with WORKER_SHUTDOWN after the grace period, then waits for them', async () => {
    const q = fakeQueue();
    const reasons: string[] = [];
    await drainJobs({
      queue: q.queue as never,
      signals: {
        abortAll: (reason) => {
          reasons.push(reason().code);
          q.finish();
          return ['j1'];
        },
      },
      graceMs: 1,
      logger,
    });
    expect(reasons).toEqual(['WORKER_SHUTDOWN']);
    expect(q.closes).toEqual([undefined]);
  });

  it('closes without waiting when the aborted jobs do not settle', async () => {
    const q = fakeQueue();
    await drainJobs({ queue: q.queue as never, signals: { abortAll: () => ['j1'] }, graceMs: 1, abortWaitMs: 1, logger });
    expect(q.closes).toEqual([undefined, true]);
  });
});
