import type { ChainableCommander, Redis } from 'ioredis';

/** One delivery attempt, as the job view lists it under `webhook.deliveries`. */
export interface DeliveryAttempt {
  event_id: string;
  event: string;
  attempt: number;
  attempted_at: string;
  /** The receiver's status code; null when there was no answer. */
  status_code: number | null;
  ok: boolean;
  duration_ms: number;
  /** The taxonomy code of a failed attempt. */
  error_code?: string;
  error?: string;
  /** Whether another attempt follows this failed one. */
  will_retry?: boolean;
}

const KEEP = 50;

/**
 * `<prefix>:job:{<job_id>}:webhooks`: a list of attempts, under the job's hash tag (the layout of
 * packages/queue/src/keys.ts), so it shares the record's Redis Cluster slot.
 */
export function deliveriesKey(prefix: string, jobId: string): string {
  return `${prefix}:job:{${jobId}}:webhooks`;
}

/** The attempts of a job's webhook deliveries, oldest first; the newest KEEP stay. */
export class DeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  /** Deletes the job's delivery attempts, in the caller's transaction (the job's delete). */
  forgetJobIn(tx: ChainableCommander, jobId: string): void {
    tx.del(deliveriesKey(this.prefix, jobId));
  }

  async record(jobId: string, attempt: DeliveryAttempt): Promise<void> {
    const key = deliveriesKey(this.prefix, jobId);
    await this.redis.multi().rpush(key, JSON.stringify(attempt)).ltrim(key, -KEEP, -1).expire(key, this.ttlSeconds).exec();
  }

  async list(jobId: string): Promise<DeliveryAttempt[]> {
    const raw = await this.redis.lrange(deliveriesKey(this.prefix, jobId), 0, -1);
    return raw.map((r) => JSON.parse(r) as DeliveryAttempt);
  }
}
