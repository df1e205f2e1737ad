import { stat } from 'node:fs/promises';
import { jobObjectKey, type OutputRecord } from '@vidgen/core';
import type { LocalOutput } from '../outputs';
import type { ObjectUpload, ObjectUploads } from '../ports';

export interface OutputUploadsOptions {
  uploads: ObjectUploads;
  owner: string;
  jobId: string;
  signal?: AbortSignal;
}

/**
 * A job's uploads, started as soon as each output is final (issue 15): the
 * MP4 and the stills while the HLS package is made, the segments while the
 * renditions are probed. Every upload is verified by the manager (HeadObject);
 * the job completes only after finish() has every object stored, the HLS
 * master last. A failure of an early upload surfaces in finish(), at the
 * uploading stage, as it would have there.
 */
export class OutputUploads {
  private readonly controller = new AbortController();
  private readonly stored = new Map<string, Promise<number>>();
  private readonly loaded = new Map<string, number>();
  private onProgress: (() => void) | null = null;
  private readonly release: () => void;

  constructor(private readonly options: OutputUploadsOptions) {
    const { signal } = options;
    const abort = () => this.controller.abort();
    signal?.addEventListener('abort', abort, { once: true });
    if (signal?.aborted) this.controller.abort();
    this.release = () => signal?.removeEventListener('abort', abort);
  }

  /** Starts uploading outputs that are final now (the video alone, the small ones as a batch). Never the master: it goes last. */
  start(outputs: readonly LocalOutput[]): void {
    const fresh = outputs.filter((o) => o.kind !== 'hls_master' && !this.stored.has(o.output));
    const large = fresh.filter((o) => o.kind === 'video');
    const small = fresh.filter((o) => o.kind !== 'video');
    for (const o of large) this.track(o, this.options.uploads.uploadFile(this.request(o), this.controller.signal).then((u) => u.size_bytes));
    if (small.length > 0) {
      const batch = this.options.uploads.uploadBatch(small.map((o) => this.request(o)), this.controller.signal);
      small.forEach((o, i) => this.track(o, batch.then((b) => b[i]!.size_bytes)));
    }
  }

  /**
   * Every output stored: those started earlier awaited, the rest uploaded now,
   * the HLS master once everything else is in the store. Records in the order given.
   */
  async finish(outputs: readonly LocalOutput[], onProgress?: (percentage: number) => void): Promise<OutputRecord[]> {
    try {
      const sizes = await Promise.all(outputs.map(async (o) => (await stat(o.filePath)).size));
      const total = sizes.reduce((a, b) => a + b, 0) || 1;
      this.onProgress = () => {
        let sum = 0;
        for (const v of this.loaded.values()) sum += v;
        onProgress?.(Math.min(100, (sum / total) * 100));
      };
      this.start(outputs);
      const last = outputs.filter((o) => o.kind === 'hls_master');
      const rest = outputs.filter((o) => !last.includes(o));
      const sized = new Map<string, number>();
      for (const o of rest) sized.set(o.output, await this.stored.get(o.output)!);
      // The master goes last, so a master in the store means its variants are there.
      for (const o of last) sized.set(o.output, (await this.options.uploads.uploadFile(this.request(o), this.controller.signal)).size_bytes);
      const { owner, jobId } = this.options;
      // The planned record completed with what the store knows; every other fact (a thumbnail's time included) kept as planned.
      return outputs.map(({ output, filePath: _file, contentType, ...planned }): OutputRecord => ({ ...planned, key: jobObjectKey(owner, jobId, output), size_bytes: sized.get(output)!, content_type: contentType }));
    } catch (err) {
      await this.abort();
      throw err;
    } finally {
      this.release();
    }
  }

  /** Stops the uploads in flight and waits until none runs (before the files they read are removed). */
  async abort(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.stored.values());
    this.release();
  }

  private track(o: LocalOutput, p: Promise<number>): void {
    // Awaited in finish() or abort(); never an unhandled rejection meanwhile.
    p.catch(() => undefined);
    this.stored.set(o.output, p);
  }

  private request(o: LocalOutput): ObjectUpload {
    const key = jobObjectKey(this.options.owner, this.options.jobId, o.output);
    return {
      key,
      filePath: o.filePath,
      contentType: o.contentType,
      onProgress: (n: number) => {
        this.loaded.set(key, n);
        this.onProgress?.();
      },
    };
  }
}
