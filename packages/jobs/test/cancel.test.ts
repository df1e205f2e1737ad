import { openLifecycleHarness, tinyJob, type LifecycleHarness } from './support/lifecycle-harness';

let h: LifecycleHarness;
/** How long the proxy holds an upload: far beyond the attempt's reaction to a stop, so the stop surely comes first (closing the proxy ends the hold). */
const HOLD_MS = 20_000;

beforeAll(async () => {
  h = await openLifecycleHarness();
});

afterAll(async () => {
  await h?.close();
});

async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a cancel during an attempt', () => {
  it('stops the attempt: the job stays cancelled, with no completion, no metadata and no retry', async () => {
    const job = await h.submit(tinyJob());
    // Uploads are held in the proxy, so the attempt is surely running when the cancel arrives.
    h.uploadFault = { delayMs: HOLD_MS };
    const started = Date.now();
    const outcome = await h.attempt(job.id, {
      during: async () => {
        await waitUntil(() => h.proxy.requests.some((r) => r.fault === 'delay' && r.url.includes(job.id)));
        expect((await h.store.get(job.id))!.status).toBe('processing');
        await h.cancel(job.id);
      },
    });
    // The attempt stopped at the cancel, not after the held uploads were let through.
    expect(Date.now() - started).toBeLessThan(HOLD_MS);
    expect(outcome).toEqual({ error: null, permanent: false, retry: false });

    const record = (await h.store.get(job.id))!;
    expect(record).toMatchObject({ status: 'cancelled', result: null, error: null });
    expect(await h.redis.hget(h.store.key(job.id), 'finalizations')).toBeNull();
    expect(h.terminalEvents.filter((e) => e.jobId === job.id).map((e) => e.status)).toEqual(['cancelled']);
    expect(await h.metadata.getByJob(job.id)).toBeNull();
    // The cancel's transition ended the progress run (one script); releasing the reserved seconds is the
    // canceller's part (the API's cancel): the attempt neither touches the run nor settles or charges the seconds.
    const snapshot = (await h.tracker.getSnapshot(job.id))!;
    expect(snapshot.status).toBe('cancelled');
    expect(snapshot.stages.find((s) => s.name === 'finalizing')!.status).toBe('pending');
    expect(await h.budget.usage(job.owner)).toMatchObject({ usedSeconds: 0, reservedSeconds: 1 });
    // An upload that was cancelled is no reason to keep the render for another attempt.
    expect(await h.artifacts.load(job.id)).toBeNull();
  });
});
