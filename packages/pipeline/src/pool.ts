import { VidgenError } from '@vidgen/core';

/**
 * Runs `task` for each item with at most `concurrency` in flight, in order of
 * start. After the first failure or an abort no new task starts, and the
 * returned promise settles only once every started task has settled, so no
 * child process outlives it.
 */
export async function runPool<T, R>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: unknown = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      if (signal?.aborted) {
        failure ??= new VidgenError('JOB_CANCELLED');
        return;
      }
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== null) throw failure;
  return results;
}
