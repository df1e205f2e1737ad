import type { Response } from 'express';
import { VidgenError } from '@vidgen/core';

/**
 * Runs an admission of the lifecycle (submit, retry) and answers its 429s with Retry-After:
 * RATE_LIMITED and VIDEO_QUOTA_EXCEEDED carry `retry_after_seconds` (null: nothing frees up).
 */
export async function withRetryAfter<T>(res: Response, admit: () => Promise<T>): Promise<T> {
  try {
    return await admit();
  } catch (err) {
    if (err instanceof VidgenError && (err.code === 'RATE_LIMITED' || err.code === 'VIDEO_QUOTA_EXCEEDED')) {
      const seconds = (err.details as { retry_after_seconds?: number | null } | undefined)?.retry_after_seconds;
      if (typeof seconds === 'number') res.setHeader('Retry-After', String(seconds));
    }
    throw err;
  }
}
