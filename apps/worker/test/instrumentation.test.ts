import { PassThrough } from 'node:stream';
import { VidgenError, type JobRecord } from '@vidgen/core';
import { createLogger, createMetricsRegistry, createWorkerMetrics, runWithContext } from '@vidgen/observability';
import type { ProgressSnapshot } from '@vidgen/progress';
import type { QueuedJob } from '@vidgen/jobs';
import { instrumentJobHandler } from '../src/instrumentation';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(T0 + ms).toISOString();

function record(status: JobRecord['status'], completedAtMs: number | null): JobRecord {
  return {
    job_id: 'j1',
    owner: 'alice',
    correlation_id: 'corr-1',
    status,
    progress: { percentage: 100, stage: 'finalizing' },
    configuration: { topic: 't', quality: 'low' },
    attempt: 1,
    created_at: iso(-5000),
    updated_at: iso(completedAtMs ?? 0),
    started_at: iso(0),
    completed_at: completedAtMs === null ? null : iso(completedAtMs),
    error: null,
    result: status === 'completed' ? { outputs: [], duration_seconds: 4 } : null,
  };
}

function snapshot(attempt = 1): ProgressSnapshot {
  const stage = (name: string, status: string, start: number | null, end: number | null) => ({
    name,
    status,
    started_at: start === null ? null : iso(start),
    completed_at: end === null ? null : iso(end),
    duration_ms: start !== null && end !== null ? end - start : null,
  });
  return {
    percentage: 100,
    stage: 'completed',
    stage_percentage: 100,
    stages: [
      stage('planning', 'done', 10, 20),
      stage('rendering_scenes', 'done', 20, 1020),
      stage('combining', 'done', 1020, 2020),
      stage('generating_thumbnails', 'skipped', null, null),
      stage('uploading', 'failed', 2020, 2100),
    ],
    eta_seconds: 0,
    attempt,
    run_id: 'r1',
    status: 'completed',
    version: 9,
    updated_at: iso(2100),
  } as unknown as ProgressSnapshot;
}

const job: QueuedJob = { id: 'j1', data: { job_id: 'j1', correlation_id: 'corr-1' }, attempt: 1, attemptsAllowed: 3, retryEvenIfLast: () => undefined, failPermanently: async () => undefined };

function setup(rec: JobRecord | null, opts: { storeFails?: boolean; snapshotAttempt?: number } = {}) {
  const registry = createMetricsRegistry({ service: 'worker', processMetrics: false });
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  const deps = {
    tracker: { getSnapshot: async () => snapshot(opts.snapshotAttempt) },
    store: { get: async () => (opts.storeFails ? Promise.reject(new Error('redis down')) : rec) },
    metrics: createWorkerMetrics(registry),
    logger: createLogger({ service: 'worker', format: 'json', stream }),
    now: (() => {
      let calls = 0;
      return () => T0 + (calls++ === 0 ? 0 : 2500);
    })(),
  };
  const lines = async () => {
    await new Promise((r) => setImmediate(r));
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return { registry, deps, lines };
}

describe('instrumentJobHandler', () => {
  it('counts attempts as the record does, so a retried job (a fresh Bull job) keeps its stage breakdown', async () => {
    const { registry, deps, lines } = setup({ ...record('completed', 2400), attempt: 3 }, { snapshotAttempt: 3 });
    await instrumentJobHandler(async () => undefined, deps)(job);
    const total = (await lines()).find((l) => l.message === 'job attempt finished')!;
    expect(total).toMatchObject({ attempt: 3, outcome: 'completed' });
    expect(total.stages).toEqual({ planning: 10, rendering_scenes: 1000, combining: 1000, uploading: 80 });
    expect(await registry.metrics()).toContain('vidgen_worker_stage_duration_seconds_count{service="worker",stage="combining"} 1');
  });


  it('logs one line per finished stage and one per attempt, and observes the metrics of a completed job', async () => {
    const { registry, deps, lines } = setup(record('completed', 2400));
    await expect(instrumentJobHandler(async () => undefined, deps)(job)).resolves.toBeUndefined();
    const out = await lines();
    const stages = out.filter((l) => l.message === 'stage finished');
    expect(stages.map((l) => [l.stage, l.status, l.duration_ms])).toEqual([
      ['planning', 'done', 10],
      ['rendering_scenes', 'done', 1000],
      ['combining', 'done', 1000],
      ['uploading', 'failed', 80],
    ]);
    const total = out.find((l) => l.message === 'job attempt finished')!;
    expect(total).toMatchObject({ correlation_id: 'corr-1', job_id: 'j1', attempt: 1, owner: 'alice', outcome: 'completed', duration_ms: 2500, since_submit_ms: 7400, render_speed: 2 });
    expect(total.stages).toEqual({ planning: 10, rendering_scenes: 1000, combining: 1000, uploading: 80 });
    const text = await registry.metrics();
    expect(text).toContain('vidgen_worker_jobs_completed_total{quality="low",service="worker"} 1');
    expect(text).toContain('vidgen_worker_stage_duration_seconds_count{service="worker",stage="combining"} 1');
    // A failed stage is logged but not observed as a duration.
    expect(text).not.toContain('stage="uploading"');
    expect(text).toContain('vidgen_worker_active_jobs{service="worker"} 0');
  });

  it('passes the very same error through and counts a terminal failure by category', async () => {
    const { registry, deps, lines } = setup(record('failed', 2400));
    const boom = new VidgenError('RENDER_FAILED', { message: 'broken' });
    await expect(instrumentJobHandler(async () => Promise.reject(boom), deps)(job)).rejects.toBe(boom);
    expect(await registry.metrics()).toContain('vidgen_worker_jobs_failed_total{category="rendering",service="worker"} 1');
    expect((await lines()).find((l) => l.message === 'job attempt finished')).toMatchObject({ level: 'warn', outcome: 'failed', code: 'RENDER_FAILED' });
  });

  it('counts a retry, not a failure, when the job went back to the queue', async () => {
    const { registry, deps } = setup(record('queued', null));
    await expect(instrumentJobHandler(async () => Promise.reject(new VidgenError('STORAGE_UNAVAILABLE')), deps)(job)).rejects.toBeInstanceOf(VidgenError);
    const text = await registry.metrics();
    expect(text).toMatch(/vidgen_worker_job_retries_total\{category="[a-z_]+",service="worker"\} 1/);
    expect(text).not.toMatch(/vidgen_worker_jobs_failed_total\{/);
  });

  it("takes the render speed from the handler's measured render time when it has one, once", async () => {
    const { registry, deps, lines } = setup(record('completed', 2400));
    const times = new Map([['j1', 500]]);
    const takeRenderMs = (id: string) => {
      const ms = times.get(id);
      times.delete(id);
      return ms;
    };
    await instrumentJobHandler(async () => undefined, { ...deps, takeRenderMs })(job);
    const total = (await lines()).find((l) => l.message === 'job attempt finished')!;
    // The same video seconds as above over 0.5 s instead of the stage records' 2 s.
    expect(total).toMatchObject({ outcome: 'completed', render_speed: 8 });
    expect(times.size).toBe(0);
    expect(await registry.metrics()).toContain('vidgen_worker_render_speed_ratio_count{service="worker",quality="low"} 1');
  });

  it('does not count a job that finished in an earlier attempt as completed again', async () => {
    const { registry, deps } = setup(record('completed', -100));
    await instrumentJobHandler(async () => undefined, deps)(job);
    expect(await registry.metrics()).toContain('vidgen_worker_job_duration_seconds_count{service="worker",outcome="skipped",quality="low"} 1');
  });

  it('never throws when its own reads fail, and keeps the handler outcome', async () => {
    const { deps, lines } = setup(null, { storeFails: true });
    await expect(instrumentJobHandler(async () => undefined, deps)(job)).resolves.toBeUndefined();
    const failed = (await lines()).find((l) => l.message === 'job instrumentation failed');
    expect(failed).toMatchObject({ correlation_id: 'corr-1', job_id: 'j1' });
  });

  it('keeps the caller context out of its lines: the job payload decides the correlation id', async () => {
    const { deps, lines } = setup(record('completed', 2400));
    await runWithContext({ correlation_id: 'outer' }, () => instrumentJobHandler(async () => undefined, deps)(job));
    expect((await lines()).every((l) => l.correlation_id === 'corr-1')).toBe(true);
  });
});
