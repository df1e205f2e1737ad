import type Redis from 'ioredis';
import { DEFAULT_STAGE_WEIGHTS, type StageName } from '@vidgen/core';
import { JobProgressTracker, jobKey, progressKey, type ProgressResult } from '@vidgen/progress';
import { JobStore, deleteKeysWithPrefix } from '@vidgen/queue';
import { connect, recordingLogger, uniquePrefix } from './helpers';

const prefix = uniquePrefix('tracker');
let redis: Redis;
let now = Date.UTC(2024, 0, 1);
const clock = () => now;
const logger = recordingLogger();
let tracker: JobProgressTracker;
let seq = 0;

/** The weights these tests compute their percentages with (the defaults follow measured shares and move). */
const WEIGHTS = { queued: 0, planning: 2, rendering_scenes: 45, combining: 10, generating_thumbnails: 5, encoding_renditions: 20, extracting_metadata: 2, uploading: 14, finalizing: 2 } as const;

beforeAll(() => {
  redis = connect();
  tracker = new JobProgressTracker({ redis, prefix, logger, clock, terminalTtlSeconds: 3600, weights: WEIGHTS });
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

/** A fresh job with a job record hash and a started run. */
async function started(attempt = 1): Promise<{ jobId: string; runId: string }> {
  seq += 1;
  const jobId = `job-${seq}`;
  await redis.hset(jobKey(prefix, jobId), { job_id: jobId, status: 'processing' });
  const run = await tracker.startRun(jobId, { attempt });
  if (!run.ok) throw new Error(`startRun refused: ${run.reason}`);
  return { jobId, runId: run.runId };
}

function expectRefused(result: ProgressResult, reason: string): void {
  expect(result).toEqual(expect.objectContaining({ ok: false, reason }));
}

async function version(jobId: string): Promise<number> {
  return Number(await redis.hget(progressKey(prefix, jobId), 'version'));
}

describe('JobProgressTracker: invalid input', () => {
  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['a string', '50'],
    ['undefined', undefined],
  ])('refuses %s as a percentage without writing', async (_label, value) => {
    const { jobId, runId } = await started();
    const before = await version(jobId);
    expectRefused(await tracker.update(jobId, runId, 'planning', value as unknown as number), 'invalid_percentage');
    expect(await version(jobId)).toBe(before);
  });

  it('clamps a negative percentage to 0', async () => {
    const { jobId, runId } = await started();
    expect(await tracker.update(jobId, runId, 'planning', -5)).toMatchObject({ ok: true, stage_percentage: 0, percentage: 0 });
  });

  it('clamps a percentage above 100 to 100', async () => {
    const { jobId, runId } = await started();
    expect(await tracker.update(jobId, runId, 'rendering_scenes', 150)).toMatchObject({ ok: true, stage_percentage: 100, percentage: 47 });
  });

  it('rounds percentages to two decimals', async () => {
    const { jobId, runId } = await started();
    expect(await tracker.update(jobId, runId, 'rendering_scenes', 33.3333)).toMatchObject({ ok: true, stage_percentage: 33.33, percentage: 17 });
    expect((await tracker.getSnapshot(jobId))?.stage_percentage).toBe(33.33);
  });

  it('refuses an unknown stage', async () => {
    const { jobId, runId } = await started();
    expectRefused(await tracker.update(jobId, runId, 'transcoding' as StageName, 10), 'unknown_stage');
    expectRefused(await tracker.skipStage(jobId, runId, 'transcoding' as StageName), 'unknown_stage');
  });

  it('refuses a move back to an earlier stage', async () => {
    const { jobId, runId } = await started();
    await tracker.update(jobId, runId, 'combining', 10);
    expectRefused(await tracker.update(jobId, runId, 'planning', 100), 'stage_regress');
    expect(await tracker.getSnapshot(jobId)).toMatchObject({ stage: 'combining', stage_percentage: 10 });
  });

  it('refuses a lower percentage within the same stage', async () => {
    const { jobId, runId } = await started();
    await tracker.update(jobId, runId, 'rendering_scenes', 50);
    expectRefused(await tracker.update(jobId, runId, 'rendering_scenes', 49.99), 'percentage_regress');
    expect((await tracker.getSnapshot(jobId))?.stage_percentage).toBe(50);
  });

  it('refuses updates to a stage that was skipped', async () => {
    const { jobId, runId } = await started();
    expect(await tracker.skipStage(jobId, runId, 'generating_thumbnails')).toMatchObject({ ok: true });
    expectRefused(await tracker.update(jobId, runId, 'generating_thumbnails', 10), 'stage_regress');
    expectRefused(await tracker.skipStage(jobId, runId, 'generating_thumbnails'), 'stage_regress');
  });

  it('refuses updates, skips and finish after a terminal status', async () => {
    const { jobId, runId } = await started();
    await tracker.update(jobId, runId, 'combining', 10);
    expect(await tracker.finish(jobId, runId, 'failed')).toMatchObject({ ok: true, stage: 'failed' });
    expectRefused(await tracker.update(jobId, runId, 'uploading', 10), 'terminal');
    expectRefused(await tracker.skipStage(jobId, runId, 'uploading'), 'terminal');
    expectRefused(await tracker.finish(jobId, runId, 'completed'), 'terminal');
    expect(await tracker.getSnapshot(jobId)).toMatchObject({ status: 'failed', stage: 'failed' });
  });

  it('refuses a new run on a terminal job', async () => {
    const { jobId, runId } = await started();
    await tracker.finish(jobId, runId, 'cancelled');
    expectRefused(await tracker.startRun(jobId, { attempt: 2 }), 'terminal');
  });

  it('refuses updates carrying an old run id', async () => {
    const { jobId, runId: oldRun } = await started(1);
    const next = await tracker.startRun(jobId, { attempt: 2 });
    expect(next.ok).toBe(true);
    expectRefused(await tracker.update(jobId, oldRun, 'planning', 10), 'stale_run');
    expectRefused(await tracker.skipStage(jobId, oldRun, 'planning'), 'stale_run');
    expectRefused(await tracker.finish(jobId, oldRun, 'completed'), 'stale_run');
    expect(await tracker.getSnapshot(jobId)).toMatchObject({ attempt: 2, run_id: next.ok ? next.runId : '', status: 'processing' });
  });

  it('refuses updates for a job with no run', async () => {
    expectRefused(await tracker.update('never-started', 'r', 'planning', 10), 'no_run');
    expect(await tracker.getSnapshot('never-started')).toBeNull();
  });

  it('refuses an invalid attempt and an invalid finish status', async () => {
    const { jobId, runId } = await started();
    expectRefused(await tracker.startRun(jobId, { attempt: -1 }), 'invalid_attempt');
    expectRefused(await tracker.finish(jobId, runId, 'done' as 'completed'), 'invalid_status');
  });

  it('logs every refusal with the job id and reason', async () => {
    const { jobId, runId } = await started();
    await tracker.update(jobId, runId, 'planning', NaN);
    await tracker.update(jobId, 'old', 'planning', 10);
    const lines = logger.entries.filter((e) => e.meta.job_id === jobId);
    expect(lines.map((e) => e.meta.reason)).toEqual(['invalid_percentage', 'stale_run']);
    expect(lines.every((e) => e.level === 'warn' && e.meta.component === 'progress')).toBe(true);
  });

  it('rejects invalid weight overrides and TTLs at construction', () => {
    expect(() => new JobProgressTracker({ redis, prefix, weights: { ...DEFAULT_STAGE_WEIGHTS, planning: -1 } })).toThrow(RangeError);
    expect(() => new JobProgressTracker({ redis, prefix, terminalTtlSeconds: 0 })).toThrow(RangeError);
  });
});

describe('JobProgressTracker: progress and stage records', () => {
  it('computes overall percentage from finished stages plus the current share', async () => {
    const { jobId, runId } = await started();
    // planning (2) done, rendering_scenes (45) at 50%: 2 + 22.5.
    expect(await tracker.update(jobId, runId, 'rendering_scenes', 50)).toMatchObject({ percentage: 24.5 });
    // Skipping thumbnails (5) counts as finished at once.
    expect(await tracker.skipStage(jobId, runId, 'generating_thumbnails')).toMatchObject({ percentage: 29.5 });
    // Moving to uploading marks rendering, combining and encoding done: 2+45+10+5+20+2 = 84, + 14 × 50%.
    expect(await tracker.update(jobId, runId, 'uploading', 50)).toMatchObject({ percentage: 91 });
    expect(await tracker.finish(jobId, runId, 'completed')).toMatchObject({ percentage: 100, stage: 'completed' });
  });

  it('uses a weight override', async () => {
    const custom = new JobProgressTracker({
      redis,
      prefix,
      clock,
      weights: { ...DEFAULT_STAGE_WEIGHTS, planning: 50, rendering_scenes: 50, combining: 0, generating_thumbnails: 0, encoding_renditions: 0, extracting_metadata: 0, uploading: 0, finalizing: 0 },
    });
    seq += 1;
    const jobId = `job-${seq}`;
    const run = await custom.startRun(jobId, { attempt: 1 });
    if (!run.ok) throw new Error(run.reason);
    expect(await custom.update(jobId, run.runId, 'planning', 50)).toMatchObject({ percentage: 25 });
  });

  it('records status, start, completion and duration for every stage, and an ETA', async () => {
    const t0 = now;
    const { jobId, runId } = await started(3);
    now = t0 + 1000;
    await tracker.update(jobId, runId, 'planning', 100);
    now = t0 + 3000;
    await tracker.skipStage(jobId, runId, 'combining');
    await tracker.update(jobId, runId, 'rendering_scenes', 20);
    now = t0 + 12_000;
    const snap = await tracker.getSnapshot(jobId);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(snap).toMatchObject({ attempt: 3, run_id: runId, status: 'processing', stage: 'rendering_scenes', stage_percentage: 20, updated_at: iso(t0 + 3000) });
    // 2 + 10 (skipped) + 45 × 20% = 21; 12 s / 21 × 79 ≈ 45 s.
    expect(snap?.percentage).toBe(21);
    expect(snap?.eta_seconds).toBe(45);
    const byName = Object.fromEntries((snap?.stages ?? []).map((s) => [s.name, s]));
    expect(byName.queued).toEqual({ name: 'queued', status: 'done', started_at: iso(t0), completed_at: iso(t0 + 1000), duration_ms: 1000 });
    expect(byName.planning).toEqual({ name: 'planning', status: 'done', started_at: iso(t0 + 1000), completed_at: iso(t0 + 3000), duration_ms: 2000 });
    expect(byName.rendering_scenes).toEqual({ name: 'rendering_scenes', status: 'active', started_at: iso(t0 + 3000), completed_at: null, duration_ms: null });
    expect(byName.combining).toEqual({ name: 'combining', status: 'skipped', started_at: null, completed_at: iso(t0 + 3000), duration_ms: null });
    expect(byName.uploading).toEqual({ name: 'uploading', status: 'pending', started_at: null, completed_at: null, duration_ms: null });
    now = t0 + 20_000;
    await tracker.finish(jobId, runId, 'failed');
    const failed = await tracker.getSnapshot(jobId);
    expect(failed?.stages[2]).toEqual({ name: 'rendering_scenes', status: 'failed', started_at: iso(t0 + 3000), completed_at: iso(t0 + 20_000), duration_ms: 17_000 });
    expect(failed).toMatchObject({ percentage: 21, eta_seconds: null });
  });

  it('increments the version on every accepted write only', async () => {
    const { jobId, runId } = await started();
    const v0 = await version(jobId);
    await tracker.update(jobId, runId, 'planning', 10);
    await tracker.update(jobId, runId, 'planning', 5);
    await tracker.update(jobId, runId, 'planning', 20);
    expect(await version(jobId)).toBe(v0 + 2);
  });

  it('a new run resets stage state explicitly and keeps the version increasing', async () => {
    const { jobId, runId } = await started(1);
    await tracker.update(jobId, runId, 'combining', 50);
    const before = await version(jobId);
    const next = await tracker.startRun(jobId, { attempt: 2 });
    expect(next).toMatchObject({ ok: true, version: before + 1, percentage: 0, stage: 'queued' });
    const snap = await tracker.getSnapshot(jobId);
    expect(snap?.stages.map((s) => s.status)).toEqual(['active', 'pending', 'pending', 'pending', 'pending', 'pending', 'pending', 'pending', 'pending']);
    expect(snap?.stages.slice(1).every((s) => s.started_at === null && s.completed_at === null)).toBe(true);
    expect(snap?.eta_seconds).toBeNull();
  });
});

describe('JobProgressTracker: retention', () => {
  it('expires progress and the job record after finish, and startRun removes the expiry', async () => {
    const { jobId, runId } = await started();
    const keys = [progressKey(prefix, jobId), jobKey(prefix, jobId)];
    for (const key of keys) expect(await redis.ttl(key)).toBe(-1);
    await tracker.finish(jobId, runId, 'failed');
    for (const key of keys) {
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(3500);
      expect(ttl).toBeLessThanOrEqual(3600);
    }
    // A terminal job cannot start a new run, so PERSIST is shown on a processing job whose keys carry a TTL.
    const other = await started();
    const otherKeys = [progressKey(prefix, other.jobId), jobKey(prefix, other.jobId)];
    for (const key of otherKeys) await redis.expire(key, 100);
    expect((await tracker.startRun(other.jobId, { attempt: 2 })).ok).toBe(true);
    for (const key of otherKeys) expect(await redis.ttl(key)).toBe(-1);
  });

  it('uses a 30 day TTL by default', async () => {
    const defaults = new JobProgressTracker({ redis, prefix });
    seq += 1;
    const jobId = `job-${seq}`;
    await redis.hset(jobKey(prefix, jobId), { job_id: jobId });
    const run = await defaults.startRun(jobId, { attempt: 1 });
    if (!run.ok) throw new Error(run.reason);
    await defaults.finish(jobId, run.runId, 'completed');
    const ttl = await redis.ttl(jobKey(prefix, jobId));
    expect(ttl).toBeGreaterThan(30 * 24 * 3600 - 100);
    expect(ttl).toBeLessThanOrEqual(30 * 24 * 3600);
  });

  it('readJob reads the record and the snapshot in one MULTI; getSnapshots reads a page of snapshots in order', async () => {
    const store = new JobStore(redis, prefix);
    seq += 1;
    const jobId = `job-${seq}`;
    await store.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration: { topic: 'Tides', quality: 'low' }, created_at: new Date(now).toISOString() });
    expect(await tracker.readJob(jobId)).toEqual({ record: await store.get(jobId), snapshot: null });
    expect(await store.markProcessing(jobId, 1)).toBe('ok');
    const run = await tracker.startRun(jobId, { attempt: 1 });
    if (!run.ok) throw new Error(run.reason);
    await tracker.update(jobId, run.runId, 'rendering_scenes', 40);
    const read = await tracker.readJob(jobId);
    expect(read.record).toEqual(await store.get(jobId));
    expect(read.record).toMatchObject({ status: 'processing', attempt: 1, configuration: { topic: 'Tides', quality: 'low' } });
    expect(read.snapshot).toEqual(await tracker.getSnapshot(jobId));
    expect(read.snapshot).toMatchObject({ stage: 'rendering_scenes', stage_percentage: 40, run_id: run.runId });
    expect(await tracker.readJob('never-created')).toEqual({ record: null, snapshot: null });

    const other = await started();
    const page = await tracker.getSnapshots([other.jobId, 'never-created', jobId]);
    expect(page).toEqual([await tracker.getSnapshot(other.jobId), null, read.snapshot]);
    expect(await tracker.getSnapshots([])).toEqual([]);
  });
});
