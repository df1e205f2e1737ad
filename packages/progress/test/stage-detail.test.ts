import type Redis from 'ioredis';
import { JobProgressTracker, jobKey } from '@vidgen/progress';
import { JobStore, deleteKeysWithPrefix } from '@vidgen/queue';
import { connect, uniquePrefix } from './helpers';

// The planning stage's detail on the progress run, and an attempt's warnings on the job record.

const prefix = uniquePrefix('detail');
let redis: Redis;
let tracker: JobProgressTracker;
let store: JobStore;

beforeAll(() => {
  redis = connect();
  tracker = new JobProgressTracker({ redis, prefix, terminalTtlSeconds: 3600 });
  store = new JobStore(redis, prefix);
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
});

const detail = { planner: 'llm', model: 'm', tokens_in: 10, tokens_out: 20, latency_ms: 5, calls: 1, cached: false, fallback: false };

it("a stage's detail shows in the snapshot of its run only, and a stale run cannot write one", async () => {
  await redis.hset(jobKey(prefix, 'j1'), { job_id: 'j1', status: 'processing' });
  const first = await tracker.startRun('j1', { attempt: 1 });
  if (!first.ok) throw new Error(first.reason);
  expect(await tracker.setStageDetail('j1', first.runId, 'planning', detail)).toEqual({ ok: true });
  const snap = await tracker.getSnapshot('j1');
  expect(snap!.stages.find((s) => s.name === 'planning')!.detail).toEqual(detail);
  expect(snap!.stages.find((s) => s.name === 'combining')!.detail).toBeUndefined();

  const second = await tracker.startRun('j1', { attempt: 2 });
  if (!second.ok) throw new Error(second.reason);
  // The new run has not planned yet: the old run's detail is not shown as its own.
  expect((await tracker.getSnapshot('j1'))!.stages.find((s) => s.name === 'planning')!.detail).toBeUndefined();
  expect(await tracker.setStageDetail('j1', first.runId, 'planning', detail)).toMatchObject({ ok: false, reason: 'stale_run' });
});

it("an attempt's warnings are on the record until the next pickup; a late attempt cannot write them", async () => {
  await store.create({ job_id: 'j2', owner: 'o', correlation_id: 'c', configuration: { topic: 'T', quality: 'low' }, created_at: new Date().toISOString() });
  expect((await store.get('j2'))!.warnings).toBeUndefined();
  await store.markProcessing('j2', 1);
  const warning = { code: 'PLANNER_FALLBACK', stage: 'planning' as const, message: 'fell back', details: { reason: 'timeout' } };
  expect(await store.setWarnings('j2', [warning], 1)).toBe('ok');
  expect((await store.get('j2'))!.warnings).toEqual([warning]);
  expect(await store.setWarnings('j2', [], 7)).toBe('stale');
  await store.markProcessing('j2', 2);
  expect((await store.get('j2'))!.warnings).toBeUndefined();
});

it('an ended run takes no late detail: a cancel ends it, and what GET and the webhook show stays as it was', async () => {
  await store.create({ job_id: 'j3', owner: 'o', correlation_id: 'c', configuration: { topic: 'T', quality: 'low' }, created_at: new Date().toISOString() });
  await store.markProcessing('j3', 1);
  const run = await tracker.startRun('j3', { attempt: 1 });
  if (!run.ok) throw new Error(run.reason);
  expect(await store.cancel('j3')).toBe('ok');
  const ended = await tracker.getSnapshot('j3');
  expect(ended!.status).toBe('cancelled');
  // The planner answers after the cancel (the attempt has not seen the abort yet).
  expect(await tracker.setStageDetail('j3', run.runId, 'planning', detail)).toMatchObject({ ok: false, reason: 'terminal' });
  expect(await tracker.getSnapshot('j3')).toEqual(ended);
});
