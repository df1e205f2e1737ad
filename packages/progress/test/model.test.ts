import type Redis from 'ioredis';
import { STAGE_NAMES, normalizeWeights } from '@vidgen/core';
import { JobProgressTracker, type ProgressResult, type ProgressSnapshot, type StartRunResult } from '@vidgen/progress';
import { deleteKeysWithPrefix } from '@vidgen/queue';
import { connect, seededRandom, uniquePrefix } from './helpers';
import { ProgressModel, type Op } from './model';

/**
 * Model-based concurrency test: 50 writers over 10 connections hammer one job
 * with valid and invalid updates. Replaying the accepted writes in version
 * order through a sequential model of the rules must predict the stored state.
 * Set PROGRESS_MODEL_SEED to replay a failing run.
 */
const SEED = Number(process.env.PROGRESS_MODEL_SEED ?? Date.now() % 1_000_000);
const WRITERS = 50;
const CONNECTIONS = 10;
const OPS_PER_WRITER = 40;
const TOTAL = WRITERS * OPS_PER_WRITER;
const T = Date.UTC(2024, 0, 1);

const prefix = uniquePrefix('model');
const jobId = 'model-job';
let clients: Redis[] = [];

beforeAll(() => {
  clients = Array.from({ length: CONNECTIONS }, () => connect());
});

afterAll(async () => {
  const first = clients[0];
  if (first) await deleteKeysWithPrefix(first, prefix);
  await Promise.all(clients.map((c) => c.quit()));
});

interface Sent {
  op: Op;
  result: ProgressResult | StartRunResult;
}

const INVALID_PERCENTAGES: unknown[] = [NaN, Infinity, -Infinity, '50', 'half', null, undefined, {}];

it(`stores exactly what a sequential model predicts from the accepted order (seed ${SEED})`, async () => {
  const rand = seededRandom(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const trackers = clients.map((redis) => new JobProgressTracker({ redis, prefix, clock: () => T }));
  const tracker0 = trackers[0] as JobProgressTracker;
  const records: Sent[] = [];

  // Two runs before the writers start, so the first run id is stale from the beginning.
  const runs: string[] = [];
  for (const attempt of [1, 2]) {
    const result = await tracker0.startRun(jobId, { attempt });
    if (!result.ok) throw new Error(`setup startRun refused: ${result.reason}`);
    runs.push(result.runId);
    records.push({ op: { kind: 'start', attempt, runId: result.runId }, result });
  }
  const oldRun = runs[0] as string;

  // The newest accepted state any writer has seen; writers aim near it so many updates are plausible.
  let view = { version: 0, stage: 0, sp: 0 };
  let completedOps = 0;
  let recovered = false;
  let finished = false;

  const nextOp = (): Op => {
    const latest = runs[runs.length - 1] as string;
    const runId = rand() < 0.9 ? latest : pick(runs);
    const r = rand();
    if (r < 0.06) return { kind: 'update', runId, stage: pick(STAGE_NAMES), pct: pick(INVALID_PERCENTAGES) };
    if (r < 0.09) return { kind: 'update', runId, stage: 'bogus_stage', pct: 10 };
    if (r < 0.11) return { kind: 'finish', runId: oldRun, status: pick(['completed', 'failed', 'cancelled']) };
    if (r < 0.12) return { kind: 'finish', runId, status: 'done' };
    const near = (offset: number) => STAGE_NAMES[Math.min(STAGE_NAMES.length - 1, Math.max(0, view.stage + offset))] as string;
    // Skips mostly target a later stage: skipping the current one blocks it for everyone.
    if (r < 0.15) return { kind: 'skip', runId, stage: near(rand() < 0.1 ? 0 : 1 + Math.floor(rand() * 3)) };
    const stage = near(rand() < 0.75 ? 0 : rand() < 0.6 ? 1 : Math.floor(rand() * 5) - 2);
    if (r < 0.24) return { kind: 'update', runId, stage, pct: pick([-5, 150]) };
    return { kind: 'update', runId, stage, pct: view.sp + rand() * 15 - 3 };
  };

  const send = (tracker: JobProgressTracker, op: Op): Promise<ProgressResult | StartRunResult> => {
    switch (op.kind) {
      case 'start':
        return tracker.startRun(jobId, { attempt: op.attempt });
      case 'update':
        return tracker.update(jobId, op.runId, op.stage as never, op.pct as number);
      case 'skip':
        return tracker.skipStage(jobId, op.runId, op.stage as never);
      case 'finish':
        return tracker.finish(jobId, op.runId, op.status as never);
    }
  };

  const writer = async (index: number): Promise<void> => {
    const tracker = trackers[index % CONNECTIONS] as JobProgressTracker;
    for (let i = 0; i < OPS_PER_WRITER; i += 1) {
      let op = nextOp();
      // Writer 0 plays a stalled-job recovery (a new run) at 30%; writer 1 finishes the job at 65%.
      if (index === 0 && !recovered && completedOps >= TOTAL * 0.3) {
        recovered = true;
        op = { kind: 'start', attempt: 3, runId: '' };
      } else if (index === 1 && !finished && completedOps >= TOTAL * 0.65) {
        finished = true;
        op = { kind: 'finish', runId: runs[runs.length - 1] as string, status: pick(['completed', 'failed', 'cancelled']) };
      }
      const result = await send(tracker, op);
      if (op.kind === 'start' && result.ok && 'runId' in result) {
        op.runId = result.runId;
        runs.push(result.runId);
      }
      if (result.ok && result.version > view.version) {
        view = { version: result.version, stage: STAGE_NAMES.indexOf(result.current_stage), sp: result.stage_percentage };
      }
      records.push({ op, result });
      completedOps += 1;
    }
  };

  await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)));

  const accepted = records.filter((r) => r.result.ok).sort((a, b) => version(a) - version(b));
  const refused = records.filter((r) => !r.result.ok);
  const reasons = new Set(refused.map((r) => (r.result.ok ? '' : r.result.reason)));
  expect(accepted.length).toBeGreaterThanOrEqual(15);
  expect(refused.length).toBeGreaterThan(50);
  for (const reason of ['invalid_percentage', 'unknown_stage', 'stale_run', 'stage_regress', 'terminal', 'invalid_status']) {
    expect(reasons).toContain(reason);
  }

  // Each accepted write got its own version, with no gaps.
  expect(accepted.map(version)).toEqual(accepted.map((_, i) => i + 1));

  // Replay in accepted order: the model must accept each and agree on the percentage.
  const model = new ProgressModel(normalizeWeights());
  for (const record of accepted) {
    const outcome = model.apply(record.op);
    expect({ op: record.op, outcome }).toEqual({ op: record.op, outcome: { ok: true, percentage: percentageOf(record) } });
  }

  // Refusals decided before Redis are exact regardless of order; the first run is always stale.
  for (const record of refused) {
    const reason = record.result.ok ? '' : record.result.reason;
    const pre = ProgressModel.precheck(record.op);
    if (pre) expect(reason).toBe(pre);
    else if (record.op.kind !== 'start' && record.op.runId === oldRun) expect(reason).toBe('stale_run');
  }

  // Overall percentage never went down within a run (a new run is the one explicit reset).
  let previous = { run: '', pct: -1 };
  for (const record of accepted) {
    const run = record.result.ok ? record.result.run_id : '';
    const pct = percentageOf(record);
    if (run === previous.run) expect(pct).toBeGreaterThanOrEqual(previous.pct);
    previous = { run, pct };
  }

  const stored = await tracker0.getSnapshot(jobId);
  expect(stored).toEqual(predictedSnapshot(model));
});

function version(record: Sent): number {
  return record.result.ok ? record.result.version : -1;
}

function percentageOf(record: Sent): number {
  return record.result.ok ? record.result.percentage : -1;
}

function predictedSnapshot(model: ProgressModel): ProgressSnapshot {
  const iso = new Date(T).toISOString();
  const status = model.status ?? 'processing';
  const stage = STAGE_NAMES[model.cur] ?? 'queued';
  return {
    percentage: model.pct,
    stage: status === 'processing' ? stage : status,
    stage_percentage: model.sp,
    stages: STAGE_NAMES.map((name, i) => ({
      name,
      status: model.statuses[i] ?? 'pending',
      started_at: model.started[i] ? iso : null,
      completed_at: model.completed[i] ? iso : null,
      duration_ms: model.started[i] && model.completed[i] ? 0 : null,
    })),
    // The clock never moves, so any progress means no time left by the run's own pace.
    eta_seconds: status === 'completed' ? 0 : status === 'processing' && model.pct > 0 ? 0 : null,
    attempt: model.attempt,
    run_id: model.runId ?? '',
    status,
    version: model.version,
    updated_at: iso,
  };
}
