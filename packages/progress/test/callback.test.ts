import { VidgenError, type StageName } from '@vidgen/core';
import { createProgressCallback, type ProgressResult, type ProgressWriter } from '@vidgen/progress';

interface Call {
  stage: StageName;
  pct: number;
  resolve: (result: ProgressResult) => void;
}

const ok = (stage: StageName, pct: number): ProgressResult => ({
  ok: true,
  version: 1,
  run_id: 'run',
  percentage: 0,
  stage,
  current_stage: stage,
  stage_percentage: pct,
});
const down = (): ProgressResult => ({ ok: false, reason: 'redis_unavailable', error: new VidgenError('REDIS_UNAVAILABLE') });

/** A tracker whose writes stay in flight until the test settles them. */
function manualWriter() {
  const calls: Call[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const writer: ProgressWriter = {
    update: (_jobId, _runId, stage, pct) =>
      new Promise<ProgressResult>((resolve) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        calls.push({
          stage,
          pct,
          resolve: (r) => {
            inFlight -= 1;
            resolve(r);
          },
        });
      }),
  };
  return { writer, calls, maxInFlight: () => maxInFlight };
}

/** A tracker that answers at once with the given results in turn (the last one repeats). */
function scriptedWriter(...results: Array<(stage: StageName, pct: number) => ProgressResult>) {
  const calls: Array<{ stage: StageName; pct: number }> = [];
  const writer: ProgressWriter = {
    update: async (_jobId, _runId, stage, pct) => {
      calls.push({ stage, pct });
      const next = results[Math.min(calls.length - 1, results.length - 1)] ?? ok;
      return next(stage, pct);
    },
  };
  return { writer, calls };
}

/** Lets pending promise callbacks run without moving the fake clock. */
const settle = () => jest.advanceTimersByTimeAsync(0);

describe('createProgressCallback', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  const base = { jobId: 'job', runId: 'run', clock: () => Date.now() };

  it('is synchronous and never throws, even when the tracker throws', async () => {
    const writer: ProgressWriter = {
      update: () => {
        throw new Error('boom');
      },
    };
    const report = createProgressCallback({ ...base, tracker: writer });
    expect(report('planning', 10)).toBeUndefined();
    await report.flush();
    // The report's own write, then the flush's one retry of the unwritten value.
    expect(report.failures).toBe(2);
  });

  it('keeps at most one write in flight and coalesces to the newest value', async () => {
    const { writer, calls, maxInFlight } = manualWriter();
    const report = createProgressCallback({ ...base, tracker: writer });
    report('planning', 10);
    report('planning', 20);
    report('planning', 30);
    await settle();
    expect(calls.map((c) => c.pct)).toEqual([10]);
    calls[0]?.resolve(ok('planning', 10));
    await jest.advanceTimersByTimeAsync(250);
    expect(calls.map((c) => c.pct)).toEqual([10, 30]);
    calls[1]?.resolve(ok('planning', 30));
    await settle();
    expect(maxInFlight()).toBe(1);
  });

  it('writes every stage boundary, with the newest value of each stage, without waiting for the throttle', async () => {
    const { writer, calls } = manualWriter();
    const report = createProgressCallback({ ...base, tracker: writer });
    report('planning', 10);
    report('rendering_scenes', 5);
    report('rendering_scenes', 6);
    report('combining', 1);
    report('combining', 2);
    for (let i = 0; i < 3; i += 1) {
      await settle();
      calls[i]?.resolve(ok(calls[i]!.stage, calls[i]!.pct));
    }
    await settle();
    expect(calls.map((c) => [c.stage, c.pct])).toEqual([
      ['planning', 10],
      ['rendering_scenes', 6],
      ['combining', 2],
    ]);
  });

  it('does not hold a stage boundary behind a throttled value of the stage before', async () => {
    const { writer, calls } = scriptedWriter(ok);
    const report = createProgressCallback({ ...base, tracker: writer, minIntervalMs: 250 });
    report('planning', 0);
    await settle();
    // Within the throttle interval: the stage's end, then the next stage's start.
    report('planning', 100);
    report('rendering_scenes', 0);
    await settle();
    expect(calls).toEqual([
      { stage: 'planning', pct: 0 },
      { stage: 'planning', pct: 100 },
      { stage: 'rendering_scenes', pct: 0 },
    ]);
  });

  it('throttles writes within a stage to one per minIntervalMs', async () => {
    const { writer, calls } = scriptedWriter(ok);
    const report = createProgressCallback({ ...base, tracker: writer, minIntervalMs: 250 });
    // One simulated second of reports every 10 ms.
    for (let t = 0; t < 1000; t += 10) {
      report('rendering_scenes', t / 10);
      await jest.advanceTimersByTimeAsync(10);
    }
    await report.flush();
    // The boundary at t=0, then at most one per 250 ms, then the flush of the newest value.
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.length).toBeLessThanOrEqual(6);
    expect(calls.at(-1)).toEqual({ stage: 'rendering_scenes', pct: 99 });
  });

  it('flush writes the pending value at once and resolves', async () => {
    const { writer, calls } = scriptedWriter(ok);
    const report = createProgressCallback({ ...base, tracker: writer });
    report('planning', 10);
    await settle();
    report('planning', 90);
    await settle();
    expect(calls).toHaveLength(1);
    await report.flush();
    expect(calls.at(-1)).toEqual({ stage: 'planning', pct: 90 });
  });

  it('does not treat a failed write as written: the value is retried by the next flush', async () => {
    const failures: VidgenError[] = [];
    const { writer, calls } = scriptedWriter(down, ok);
    const report = createProgressCallback({ ...base, tracker: writer, onFailure: (err) => failures.push(err) });
    report('planning', 10);
    await settle();
    expect(report.failures).toBe(1);
    expect(failures[0]?.category).toBe('dependency_unavailable');
    await report.flush();
    expect(calls).toEqual([
      { stage: 'planning', pct: 10 },
      { stage: 'planning', pct: 10 },
    ]);
  });

  it('retries after a failure with the newest value once a report comes after the throttle interval', async () => {
    const { writer, calls } = scriptedWriter(down, ok);
    const report = createProgressCallback({ ...base, tracker: writer });
    report('planning', 10);
    await settle();
    await jest.advanceTimersByTimeAsync(300);
    expect(calls).toHaveLength(1);
    report('planning', 20);
    await settle();
    expect(calls.at(-1)).toEqual({ stage: 'planning', pct: 20 });
  });

  it('flush resolves while Redis stays down, counting each failed write', async () => {
    const { writer, calls } = scriptedWriter(down);
    const report = createProgressCallback({ ...base, tracker: writer });
    report('planning', 10);
    report('combining', 10);
    await report.flush();
    expect(report.failures).toBe(calls.length);
    expect(report.failures).toBeGreaterThanOrEqual(2);
  });

  it('swallows errors thrown by onFailure', async () => {
    const { writer } = scriptedWriter(down);
    const report = createProgressCallback({
      ...base,
      tracker: writer,
      onFailure: () => {
        throw new Error('metrics broke');
      },
    });
    report('planning', 10);
    await expect(report.flush()).resolves.toBeUndefined();
    expect(report.failures).toBe(2);
  });

  it('stops writing once the run is refused as stale', async () => {
    const { writer, calls } = scriptedWriter(() => ({ ok: false, reason: 'stale_run' }));
    const report = createProgressCallback({ ...base, tracker: writer });
    report('planning', 10);
    await report.flush();
    report('combining', 50);
    await report.flush();
    expect(report.stopped).toBe(true);
    expect(calls).toHaveLength(1);
    expect(report.failures).toBe(0);
  });
});
