import type Redis from 'ioredis';
import { STAGE_NAMES, type JobError } from '@vidgen/core';
import { JobStore, deleteKeysWithPrefix } from '@vidgen/queue';
import { JobProgressTracker, parseProgressEvent, progressChannel, type ProgressEvent } from '@vidgen/progress';
import { connect, uniquePrefix } from './helpers';

// A terminal transition of the record (JobStore) ends the job's run in the same script:
// record and run never disagree, and the run's end is one more progress event.
const prefix = uniquePrefix('terminal');
let redis: Redis;
let listener: Redis;
let store: JobStore;
let tracker: JobProgressTracker;
const events: ProgressEvent[] = [];
let seq = 0;

const error: JobError = { code: 'RENDER_FAILED', category: 'rendering', message: 'm', suggested_action: 's', retryable: false, stage: 'combining', attempt: 1, occurred_at: new Date().toISOString() };

beforeAll(async () => {
  redis = connect();
  listener = connect();
  store = new JobStore(redis, prefix);
  tracker = new JobProgressTracker({ redis, prefix });
  listener.on('message', (_channel: string, message: string) => {
    const event = parseProgressEvent(message);
    if (event) events.push(event);
  });
  await listener.subscribe(progressChannel(prefix));
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  await Promise.all([redis.quit(), listener.quit()]);
});

/** A processing job whose run reached combining at 50 %. */
async function running(): Promise<{ jobId: string; runId: string; version: number }> {
  seq += 1;
  const jobId = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  await store.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration: { topic: 't', quality: 'low' }, created_at: new Date().toISOString() });
  expect(await store.markProcessing(jobId, 1)).toBe('ok');
  const run = await tracker.startRun(jobId, { attempt: 1 });
  if (!run.ok) throw new Error(`startRun refused: ${run.reason}`);
  const at = await tracker.update(jobId, run.runId, 'combining', 50);
  if (!at.ok) throw new Error(`update refused: ${at.reason}`);
  return { jobId, runId: run.runId, version: at.version };
}

async function eventOf(jobId: string, version: number): Promise<ProgressEvent> {
  for (let i = 0; i < 100; i += 1) {
    const found = events.find((e) => e.job_id === jobId && e.version === version);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no event ${version} of ${jobId}`);
}

it('completes the run with the record: every stage done, 100 %, one more version, its event published', async () => {
  const { jobId, runId, version } = await running();
  expect(await store.complete(jobId, { outputs: [], duration_seconds: 2 }, 1)).toBe('ok');
  const { record, snapshot } = await tracker.readJob(jobId);
  expect(record?.status).toBe('completed');
  expect(snapshot).toMatchObject({ run_id: runId, status: 'completed', stage: 'completed', percentage: 100, stage_percentage: 100, version: version + 1, eta_seconds: 0 });
  expect(snapshot!.stages.map((s) => s.status)).toEqual(STAGE_NAMES.map(() => 'done'));
  expect(await eventOf(jobId, version + 1)).toMatchObject({ run_id: runId, status: 'completed', stage: 'completed', current_stage: 'combining', percentage: 100 });
  // Each fact once: the record holds no progress of its own.
  expect(await redis.hmget(store.key(jobId), 'stage', 'stage_index', 'percentage')).toEqual([null, null, null]);
  expect(record?.progress).toEqual({ percentage: 100, stage: 'completed' });
  // Nothing is left for a tracker finish to end.
  expect(await tracker.finish(jobId, runId, 'completed')).toMatchObject({ ok: false, reason: 'terminal' });
});

it('fails and cancels the run where it stopped: the interrupted stage failed, the percentage kept', async () => {
  for (const end of [(jobId: string) => store.fail(jobId, error, 1), (jobId: string) => store.cancel(jobId)]) {
    const { jobId, runId, version } = await running();
    const before = await tracker.getSnapshot(jobId);
    expect(await end(jobId)).toBe('ok');
    const { record, snapshot } = await tracker.readJob(jobId);
    const status = record!.status;
    expect(['failed', 'cancelled']).toContain(status);
    expect(snapshot).toMatchObject({ run_id: runId, status, stage: status, percentage: before!.percentage, stage_percentage: 50, version: version + 1, eta_seconds: null });
    expect(snapshot!.stages.find((s) => s.name === 'combining')).toMatchObject({ status: 'failed' });
    expect(snapshot!.stages.filter((s) => s.status === 'pending').map((s) => s.name)).toEqual(STAGE_NAMES.slice(STAGE_NAMES.indexOf('combining') + 1));
    expect(await eventOf(jobId, version + 1)).toMatchObject({ status, stage: status, percentage: before!.percentage });
  }
});

it('leaves the run alone when the transition is refused, and on a retry (back to queued)', async () => {
  const { jobId, version } = await running();
  // Another attempt's late write: fenced out, nothing changes.
  expect(await store.complete(jobId, { outputs: [], duration_seconds: 2 }, 2)).toBe('stale');
  expect(await tracker.getSnapshot(jobId)).toMatchObject({ status: 'processing', version });
  // A retry: the record shows queued, the run stays until the next attempt starts its own.
  expect(await store.markRetrying(jobId, { ...error, retryable: true }, 1)).toBe('ok');
  expect(await tracker.getSnapshot(jobId)).toMatchObject({ status: 'processing', version });
  // Cancelled while waiting for the retry: that run ends with the record.
  expect(await store.cancel(jobId)).toBe('ok');
  expect(await tracker.getSnapshot(jobId)).toMatchObject({ status: 'cancelled', version: version + 1 });
});

it('ends a job that never ran without making a run up', async () => {
  seq += 1;
  const jobId = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  await store.create({ job_id: jobId, owner: 'o', correlation_id: 'c', configuration: { topic: 't', quality: 'low' }, created_at: new Date().toISOString() });
  expect(await store.cancel(jobId)).toBe('ok');
  expect(await tracker.getSnapshot(jobId)).toBeNull();
});
