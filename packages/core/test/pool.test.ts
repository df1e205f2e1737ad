import { runPool } from '@vidgen/core';

describe('runPool', () => {
  it('keeps order and never runs more than the limit at once', async () => {
    let active = 0;
    let peak = 0;
    const out = await runPool([5, 1, 4, 2, 3, 0], 2, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setImmediate(r));
      active--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const err = await runPool([1, 2, 3, 4, 5], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('boom');
    }).catch((e: Error) => e.message);
    expect(err).toBe('boom');
    expect(started).toEqual([1, 2]);
  });

  it('runPool keeps order, bounds concurrency and starts nothing after a failure', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const started: number[] = [];
    const out = await runPool([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([10, 20, 30, 40, 50]);
    expect(maxInFlight).toBe(2);

    const seen: number[] = [];
    await expect(
      runPool([1, 2, 3, 4], 1, async (n) => {
        seen.push(n);
        if (n === 2) throw new Error('boom');
        return n;
      }),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([1, 2]);
  });

  it('runPool starts nothing once aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const seen: number[] = [];
    await expect(runPool([1, 2], 2, async (n) => seen.push(n), { signal: controller.signal })).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    expect(seen).toEqual([]);
  });

  it('calls onFirstFailure once, at the first failure, and rejects with that failure, not the ones it causes', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const err = await runPool(
      ['boom', 'slow'],
      2,
      async (name) => {
        if (name === 'boom') throw new Error('boom');
        await new Promise<void>((_, reject) => controller.signal.addEventListener('abort', () => reject(new Error('aborted by the first failure'))));
      },
      { onFirstFailure: (e) => { calls.push((e as Error).message); controller.abort(); } },
    ).catch((e: Error) => e.message);
    expect(err).toBe('boom');
    expect(calls).toEqual(['boom']);
  });
});
