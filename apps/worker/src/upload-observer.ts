import type { Logger } from '@vidgen/core';
import type { WorkerMetrics } from '@vidgen/observability';
import type { UploadObserver } from '@vidgen/storage';

/**
 * Storage's UploadObserver, wired to the worker's S3 metrics. It runs inside
 * the job's log context, so its lines carry the job's correlation id.
 * Observers must not throw into storage: failures are logged and dropped.
 */
export function createUploadObserver(metrics: WorkerMetrics, logger: Logger): UploadObserver {
  return {
    onUpload(event) {
      try {
        metrics.observeUpload(event);
        const meta = { key: event.key, size_bytes: event.bytes, duration_ms: event.durationMs, attempts: event.attempts };
        if (event.ok) logger.debug('s3 upload observed', meta);
        else logger.warn('s3 upload failed', { ...meta, category: event.errorCategory });
      } catch (err) {
        try {
          logger.warn('upload observer failed', { err });
        } catch {
          // Nothing more to do: the upload's outcome is storage's business.
        }
      }
    },
  };
}
