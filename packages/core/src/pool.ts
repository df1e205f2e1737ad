import { VidgenError } from './errors';

export interface PoolOptions {
  /** No new task starts once aborted; the pool then fails with JOB_CANCELLED (unless a task failed first). */
  signal?: AbortSignal;
  /** Called once, at the first failure: e.g. abort the tasks still in flight. */
  onFirstFailure?: (err: unknown) => void;
}

/**
 * Runs `task` for each item with at most `concurrency` in flight, in order of
 * start; results keep the input order. After the first failure or an abort no
 * new task starts, and the returned promise settles only once every started
 * task has settled (so no child process or request outlives it), rejecting
 * with the first failure in time, not a later one it may have caused.
 */
export async function runPool<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>, options: PoolOptions = {}): Promise<R[]> {
  const { signal, onFirstFailure } = options;
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { err: unknown } | null = null;
  const fail = (err: unknown) => {
    if (failure) return;
    failure = { err };
    onFirstFailure?.(err);
  };
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      if (signal?.aborted) {
        fail(new VidgenError('JOB_CANCELLED'));
        return;
      }
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (err) {
        fail(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== null) throw (failure as { err: unknown }).err;
  return results;
}
