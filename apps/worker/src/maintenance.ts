import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@vidgen/core';
import { runWithContext } from '@vidgen/observability';
import type { MaintenanceQueue } from '@vidgen/queue';
import { jobObjectPrefix, purgeObjects } from '@vidgen/storage';

export interface MaintenanceDeps {
  queue: MaintenanceQueue;
  s3: S3Client;
  bucket: string;
  logger: Logger;
  concurrency?: number;
}

/**
 * Processes the maintenance queue: the API records and enqueues, workers
 * touch S3. Today one job type, purge_objects (DELETE of a job, and the
 * partial outputs of a cancelled one).
 */
export function startMaintenance(deps: MaintenanceDeps): void {
  const { queue, s3, bucket, logger, concurrency = 2 } = deps;
  void queue.process(concurrency, async (job) => {
    const { job_id, owner, correlation_id } = job.data;
    await runWithContext({ correlation_id, job_id }, async () => {
      const prefix = jobObjectPrefix(owner, job_id);
      try {
        const deleted = await purgeObjects({ client: s3, bucket, prefix });
        logger.info('job objects purged', { prefix, deleted });
      } catch (err) {
        logger.warn('purging job objects failed; retrying', { prefix, err, attempt: job.attemptsMade + 1 });
        throw err;
      }
    });
  });
}
