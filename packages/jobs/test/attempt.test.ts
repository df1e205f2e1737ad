import { STAGE_NAMES } from '@vidgen/core';
import { openLifecycleHarness, tinyJob, type LifecycleHarness } from './support/lifecycle-harness';

let h: LifecycleHarness;

beforeAll(async () => {
  h = await openLifecycleHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('an attempt that completes', () => {
  it('completes the record once, runs the progress to the end, stores every object, writes metadata version 1 and settles the budget', async () => {
    const job = await h.submit(tinyJob());
    const outcome = await h.attempt(job.id);
    expect(outcome).toEqual({ error: null, permanent: false, retry: false });

    const record = await h.store.get(job.id);
    expect(record).toMatchObject({ status: 'completed', attempt: 1, error: null, progress: { percentage: 100, stage: 'completed' } });
    expect(await h.redis.hget(h.store.key(job.id), 'finalizations')).toBe('1');
    expect(h.rendered).toEqual([job.id]);
    const events = h.terminalEvents.filter((e) => e.jobId === job.id);
    expect(events).toEqual([{ jobId: job.id, status: 'completed', eventId: expect.stringMatching(/^evt_/) }]);

    // One progress run, ended completed, every stage passed: the render stages done, HLS skipped (MP4 only).
    const snapshot = (await h.tracker.getSnapshot(job.id))!;
    expect(snapshot).toMatchObject({ status: 'completed', attempt: 1, percentage: 100 });
    expect(snapshot.stages.map((s) => s.name)).toEqual([...STAGE_NAMES]);
    const statusOf = Object.fromEntries(snapshot.stages.map((s) => [s.name, s.status]));
    for (const name of ['planning', 'rendering_scenes', 'combining', 'uploading', 'finalizing'] as const) expect(statusOf[name]).toBe('done');
    expect(snapshot.stages.every((s) => s.status === 'done' || s.status === 'skipped')).toBe(true);

    // Every output the result names is in the bucket, as described, and nothing else.
    const { outputs, duration_seconds } = record!.result!;
    expect(outputs.map((o) => o.kind)).toEqual(expect.arrayContaining(['video', 'thumbnail', 'poster']));
    expect(await h.objectKeys(job)).toEqual(outputs.map((o) => o.key).sort());
    for (const o of outputs) {
      const head = await h.head(o.key);
      expect({ key: o.key, size: head.ContentLength, type: head.ContentType }).toEqual({ key: o.key, size: o.size_bytes, type: o.content_type });
    }

    const metadata = await h.metadata.getByJob(job.id);
    expect(metadata).toMatchObject({ job_id: job.id, owner: job.owner, version: 1 });
    expect((await h.metadata.versions(metadata!.video_id)).map((v) => v.version)).toEqual([1]);

    // The reservation (planned: 1 s) became a charge of the rendered length.
    expect(duration_seconds).toBeGreaterThan(0.5);
    const usage = await h.budget.usage(job.owner);
    expect(usage.reservedSeconds).toBe(0);
    expect(usage.usedSeconds).toBeCloseTo(duration_seconds, 1);
    expect(await h.artifacts.load(job.id)).toBeNull();
  });
});

describe('a job handed out again after it ended', () => {
  /**
   * What a worker that died right after the record's transition leaves: the
   * record ended (with its event id) and its progress run with it (one script),
   * the owner's reservation not settled. Written through the real store and tracker.
   */
  async function diedAfterTransition(end: 'completed' | 'failed') {
    const job = await h.submit(tinyJob());
    expect(await h.store.markProcessing(job.id, 1)).toBe('ok');
    const run = await h.tracker.startRun(job.id, { attempt: 1 });
    if (!run.ok) throw new Error(`run refused: ${run.reason}`);
    const ended =
      end === 'completed'
        ? await h.store.complete(job.id, { outputs: [], duration_seconds: 1.5 }, 1)
        : await h.store.fail(job.id, { code: 'STORAGE_UNAVAILABLE', category: 'storage', message: 'gone', suggested_action: 'retry', retryable: false, stage: 'uploading', attempt: 1, occurred_at: new Date().toISOString() }, 1);
    expect(ended).toBe('ok');
    return job;
  }

  it.each([
    ['completed', { usedSeconds: 1.5, reservedSeconds: 0 }],
    // Failed after its video was rendered (stage uploading): the reservation is charged as it was.
    ['failed', { usedSeconds: 1, reservedSeconds: 0 }],
  ] as const)('%s: settleEnded replays the terminal event once per hand-out with its event id, ends the run and settles the budget', async (end, usage) => {
    const job = await diedAfterTransition(end);
    const emitted = h.terminalEvents.filter((e) => e.jobId === job.id);
    expect(emitted).toHaveLength(1);
    // The transition ended the run too (it used to stay processing until the worker's own finish).
    expect((await h.tracker.getSnapshot(job.id))!.status).toBe(end);

    const outcome = await h.attempt(job.id, { attemptsMade: 1 });
    expect(outcome).toEqual({ error: null, permanent: false, retry: false });
    expect(h.terminalEvents.filter((e) => e.jobId === job.id)).toEqual([emitted[0], emitted[0]]);
    expect((await h.tracker.getSnapshot(job.id))!.status).toBe(end);
    expect(await h.budget.usage(job.owner)).toMatchObject(usage);
    expect(await h.store.get(job.id)).toMatchObject({ status: end, attempt: 1 });

    // Handed out once more: one more replay, nothing else changes.
    await h.attempt(job.id, { attemptsMade: 2 });
    expect(h.terminalEvents.filter((e) => e.jobId === job.id)).toHaveLength(3);
    expect(await h.budget.usage(job.owner)).toMatchObject(usage);
    expect(h.rendered).not.toContain(job.id);
  });
});

describe('a job deleted before its pickup', () => {
  it('returns cleanly: no record, no progress run, no objects, no render', async () => {
    const job = await h.submit(tinyJob());
    await h.store.delete(job.id, job.owner);
    const outcome = await h.attempt(job.id);
    expect(outcome).toEqual({ error: null, permanent: false, retry: false });
    expect(await h.store.get(job.id)).toBeNull();
    expect(await h.tracker.getSnapshot(job.id)).toBeNull();
    expect(await h.objectKeys(job)).toEqual([]);
    expect(h.rendered).not.toContain(job.id);
    expect(h.terminalEvents.filter((e) => e.jobId === job.id)).toEqual([]);
  });
});
