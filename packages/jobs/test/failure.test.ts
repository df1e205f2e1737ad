import { openLifecycleHarness, tinyJob, type LifecycleHarness } from './support/lifecycle-harness';

let h: LifecycleHarness;
/** How long the proxy holds an upload: far beyond the attempt's reaction to a stop, so the stop surely comes first (closing the proxy ends the hold). */
const HOLD_MS = 20_000;

beforeAll(async () => {
  h = await openLifecycleHarness();
});

afterEach(() => {
  h.uploadFault = null;
});

afterAll(async () => {
  await h?.close();
});

describe('a retryable storage failure', () => {
  it('puts the record back to queued with the last error and keeps the render; the next attempt uploads without rendering', async () => {
    const job = await h.submit(tinyJob());
    h.uploadFault = { status: 503, code: 'ServiceUnavailable' };
    const first = await h.attempt(job.id, { attemptsMade: 0, attemptsAllowed: 3 });
    expect(first).toMatchObject({ error: { code: 'STORAGE_UPLOAD_FAILED', retryable: true }, permanent: false, retry: true });
    expect(h.proxy.requests.some((r) => r.fault === 'status')).toBe(true);

    const queued = await h.store.get(job.id);
    expect(queued).toMatchObject({ status: 'queued', attempt: 1, result: null, error: { code: 'STORAGE_UPLOAD_FAILED', category: 'storage', stage: 'uploading', attempt: 1, retryable: true } });
    expect(h.terminalEvents.filter((e) => e.jobId === job.id)).toEqual([]);
    expect(h.rendered).toEqual([job.id]);
    expect(await h.artifacts.load(job.id)).toMatchObject({ outputs: expect.arrayContaining([expect.objectContaining({ kind: 'video' })]) });
    // Nothing is settled while the job may still run: the reservation stands.
    expect(await h.budget.usage(job.owner)).toMatchObject({ usedSeconds: 0, reservedSeconds: 1 });
    expect(await h.metadata.getByJob(job.id)).toBeNull();

    h.uploadFault = null;
    const second = await h.attempt(job.id, { attemptsMade: 1, attemptsAllowed: 3 });
    expect(second).toEqual({ error: null, permanent: false, retry: false });
    expect(h.rendered).toEqual([job.id]);

    const record = (await h.store.get(job.id))!;
    expect(record).toMatchObject({ status: 'completed', attempt: 2, error: null });
    const snapshot = (await h.tracker.getSnapshot(job.id))!;
    expect(snapshot).toMatchObject({ status: 'completed', attempt: 2 });
    const statusOf = Object.fromEntries(snapshot.stages.map((s) => [s.name, s.status]));
    for (const name of ['planning', 'rendering_scenes', 'combining', 'generating_thumbnails', 'encoding_renditions', 'extracting_metadata'] as const) expect(statusOf[name]).toBe('skipped');
    expect(statusOf.uploading).toBe('done');
    expect(await h.objectKeys(job)).toEqual(record.result!.outputs.map((o) => o.key).sort());
    for (const o of record.result!.outputs) expect((await h.head(o.key)).ContentLength).toBe(o.size_bytes);
    expect(await h.metadata.getByJob(job.id)).toMatchObject({ version: 1 });
    expect(await h.artifacts.load(job.id)).toBeNull();
    expect(await h.budget.usage(job.owner)).toMatchObject({ reservedSeconds: 0, usedSeconds: record.result!.duration_seconds });
  });

  it('on the last attempt, fails the job (no more retries) and charges the rendered seconds', async () => {
    const job = await h.submit(tinyJob());
    h.uploadFault = { status: 503, code: 'ServiceUnavailable' };
    const outcome = await h.attempt(job.id, { attemptsMade: 2, attemptsAllowed: 3 });
    expect(outcome).toMatchObject({ error: { code: 'STORAGE_UPLOAD_FAILED' }, permanent: false, retry: false });
    expect(await h.store.get(job.id)).toMatchObject({ status: 'failed', error: { code: 'STORAGE_UPLOAD_FAILED', stage: 'uploading', retryable: true } });
    expect((await h.tracker.getSnapshot(job.id))!.status).toBe('failed');
    expect(h.terminalEvents.filter((e) => e.jobId === job.id).map((e) => e.status)).toEqual(['failed']);
    expect(await h.budget.usage(job.owner)).toMatchObject({ usedSeconds: 1, reservedSeconds: 0 });
  });
});

describe('a permanent failure', () => {
  it('before the render (a configuration the pipeline refuses): failed with category and suggested action, no further attempt, reservation released', async () => {
    const job = await h.submit(tinyJob({ quality: 'extreme' as never }));
    const outcome = await h.attempt(job.id, { attemptsMade: 0, attemptsAllowed: 3 });
    expect(outcome).toMatchObject({ error: { code: 'VALIDATION_FAILED', retryable: false }, permanent: true, retry: false });

    const record = (await h.store.get(job.id))!;
    expect(record).toMatchObject({ status: 'failed', attempt: 1, result: null, error: { code: 'VALIDATION_FAILED', category: 'validation', retryable: false, attempt: 1 } });
    expect(record.error!.suggested_action.length).toBeGreaterThan(0);
    expect((await h.tracker.getSnapshot(job.id))!.status).toBe('failed');
    expect(h.terminalEvents.filter((e) => e.jobId === job.id).map((e) => e.status)).toEqual(['failed']);
    expect(h.rendered).not.toContain(job.id);
    expect(await h.budget.usage(job.owner)).toMatchObject({ usedSeconds: 0, reservedSeconds: 0 });
  });

  it('after the render (the store denies access): failed at uploading, no further attempt, the reserved seconds charged, nothing cached', async () => {
    const job = await h.submit(tinyJob());
    h.uploadFault = { status: 403, code: 'AccessDenied' };
    const outcome = await h.attempt(job.id, { attemptsMade: 0, attemptsAllowed: 3 });
    expect(outcome).toMatchObject({ error: { category: 'storage', retryable: false }, permanent: true, retry: false });

    const record = (await h.store.get(job.id))!;
    expect(record).toMatchObject({ status: 'failed', attempt: 1, error: { category: 'storage', stage: 'uploading', retryable: false } });
    expect(record.error!.suggested_action.length).toBeGreaterThan(0);
    expect(h.rendered).toContain(job.id);
    expect(await h.artifacts.load(job.id)).toBeNull();
    expect(await h.metadata.getByJob(job.id)).toBeNull();
    expect(await h.budget.usage(job.owner)).toMatchObject({ usedSeconds: 1, reservedSeconds: 0 });
  });
});

describe('a worker shutdown during the last attempt', () => {
  it('puts the job back to queued and asks the queue for one more attempt', async () => {
    const job = await h.submit(tinyJob());
    // Uploads are held in the proxy, so the attempt is surely running when the worker stops.
    h.uploadFault = { delayMs: HOLD_MS };
    const outcome = await h.attempt(job.id, {
      attemptsMade: 2,
      attemptsAllowed: 3,
      during: async () => {
        await waitUntil(() => h.proxy.requests.some((r) => r.fault === 'delay' && r.url.includes(job.id)));
        expect(h.shutdown()).toEqual([job.id]);
      },
    });
    expect(outcome).toMatchObject({ error: { code: 'WORKER_SHUTDOWN', retryable: true }, permanent: false, retry: true });
    // The record counts its own attempts (this is its first pickup), whatever the queue's count says.
    expect(await h.store.get(job.id)).toMatchObject({ status: 'queued', attempt: 1, error: { code: 'WORKER_SHUTDOWN', stage: expect.any(String), attempt: 1 } });
    expect(h.terminalEvents.filter((e) => e.jobId === job.id)).toEqual([]);
    expect(await h.budget.usage(job.owner)).toMatchObject({ usedSeconds: 0, reservedSeconds: 1 });
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
