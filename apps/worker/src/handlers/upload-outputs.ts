import { stat } from 'node:fs/promises';
import type { OutputRecord } from '@vidgen/core';
import { jobObjectKey, type S3UploadManager } from '@vidgen/storage';
import type { LocalOutput } from './outputs';

export interface UploadOutputsOptions {
  uploads: S3UploadManager;
  owner: string;
  jobId: string;
  outputs: readonly LocalOutput[];
  /** 0..100 over the bytes of every output. */
  onProgress?: (percentage: number) => void;
  signal?: AbortSignal;
}

/**
 * Uploads a job's outputs: the video alone (multipart), the many small ones
 * as one bounded batch, the HLS master last; returns the records in the
 * order given.
 */
export async function uploadOutputs(options: UploadOutputsOptions): Promise<OutputRecord[]> {
  const { uploads, owner, jobId, outputs, onProgress, signal } = options;
  const sizes = await Promise.all(outputs.map(async (o) => (await stat(o.filePath)).size));
  const total = sizes.reduce((a, b) => a + b, 0) || 1;
  const loaded = new Map<string, number>();
  const report = (key: string, bytes: number) => {
    loaded.set(key, bytes);
    let sum = 0;
    for (const v of loaded.values()) sum += v;
    onProgress?.(Math.min(100, (sum / total) * 100));
  };
  const request = (o: LocalOutput) => {
    const key = jobObjectKey(owner, jobId, o.output);
    return { key, filePath: o.filePath, contentType: o.contentType, onProgress: (n: number) => report(key, n) };
  };
  const large = outputs.filter((o) => o.kind === 'video');
  // The master playlist goes last, so a master in the store means its variants are there.
  const last = outputs.filter((o) => o.kind === 'hls_master');
  const small = outputs.filter((o) => !large.includes(o) && !last.includes(o));
  const stored = new Map<LocalOutput, number>();
  for (const o of large) stored.set(o, (await uploads.uploadFile(request(o), signal)).size_bytes);
  const batch = await uploads.uploadBatch(small.map(request), signal);
  small.forEach((o, i) => stored.set(o, batch[i]!.size_bytes));
  for (const o of last) stored.set(o, (await uploads.uploadFile(request(o), signal)).size_bytes);
  return outputs.map((o) => {
    const r: OutputRecord = { kind: o.kind, key: jobObjectKey(owner, jobId, o.output), size_bytes: stored.get(o)!, content_type: o.contentType };
    if (o.width !== undefined) r.width = o.width;
    if (o.height !== undefined) r.height = o.height;
    if (o.rendition !== undefined) r.rendition = o.rendition;
    return r;
  });
}
