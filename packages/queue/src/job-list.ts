import type { Redis } from 'ioredis';
import type { JobRecord, JobStatus } from '@vidgen/core';
import { encodeCursor, isAfterCursor, type ListCursor } from './cursor';
import { asRedisError, toRecord } from './job-store';
import { jobKey, ownerJobsKey } from './keys';

export interface ListJobsOptions {
  owner: string;
  limit: number;
  cursor: ListCursor | null;
  status?: JobStatus;
  /** Index entries read per round trip. */
  batchSize?: number;
  /** Upper bound of index entries one call reads (a rare status must not scan a huge index in one request). */
  maxScanned?: number;
}

export interface JobPage {
  records: JobRecord[];
  /** Where the next page starts; null when the index is exhausted. */
  nextCursor: string | null;
}

/**
 * A page of an owner's jobs, newest first, from the owner index (a sorted set
 * by creation ms). Entries whose record is gone (expired or deleted) are
 * skipped. With a status filter the page may hold fewer than `limit` jobs
 * while a cursor still follows: the scan stops at `maxScanned` entries.
 */
export async function listOwnerJobs(redis: Redis, prefix: string, options: ListJobsOptions): Promise<JobPage> {
  const { owner, limit, cursor, status, batchSize = Math.max(limit * 2, 50), maxScanned = 2000 } = options;
  const index = ownerJobsKey(prefix, owner);
  const records: JobRecord[] = [];
  let position: ListCursor | null = cursor;
  let scanned = 0;
  try {
    for (;;) {
      const max = position ? String(position.score) : '+inf';
      // Inclusive of the cursor's millisecond: ties are resolved by job id below.
      const raw = await redis.zrevrangebyscore(index, max, '-inf', 'WITHSCORES', 'LIMIT', 0, batchSize);
      const entries: ListCursor[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) entries.push({ jobId: raw[i]!, score: Number(raw[i + 1]) });
      const fresh = entries.filter((e) => isAfterCursor(e, position));
      if (fresh.length === 0) return { records, nextCursor: null };
      const pipeline = redis.pipeline();
      for (const e of fresh) pipeline.hgetall(jobKey(prefix, e.jobId));
      const hashes = (await pipeline.exec()) ?? [];
      for (let i = 0; i < fresh.length; i++) {
        const entry = fresh[i]!;
        position = entry;
        scanned++;
        const [err, hash] = hashes[i] ?? [null, null];
        if (err) throw err;
        const h = hash as Record<string, string> | null;
        if (h?.job_id && h.owner === owner && (!status || h.status === status)) {
          records.push(toRecord(h));
          if (records.length === limit) {
            const more = i < fresh.length - 1 || entries.length === batchSize;
            return { records, nextCursor: more ? encodeCursor(entry) : null };
          }
        }
        if (scanned >= maxScanned) return { records, nextCursor: encodeCursor(entry) };
      }
      // A short batch (after the cursor filter) means the index has nothing older.
      if (entries.length < batchSize) return { records, nextCursor: null };
    }
  } catch (err) {
    throw asRedisError(err);
  }
}
