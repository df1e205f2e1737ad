import type { Response } from 'express';
import { VidgenError } from '@vidgen/core';
import type { RateLimiter } from '@vidgen/queue';

/**
 * Spends one of the owner's submissions (a new job or a retry: both start a
 * render) or answers 429 with Retry-After. Redis-backed, so it holds across
 * API replicas.
 */
export async function takeSubmission(limiter: RateLimiter | undefined, owner: string, res: Response): Promise<void> {
  if (!limiter) return;
  const decision = await limiter.take(owner);
  if (!decision.allowed) {
    res.setHeader('Retry-After', String(decision.retryAfterSeconds));
    throw new VidgenError('RATE_LIMITED', { details: { retry_after_seconds: decision.retryAfterSeconds } });
  }
}
