/** One finished S3 request batch, as the storage layer reports it to metrics and logs. */
export interface UploadEvent {
  key: string;
  bytes: number;
  durationMs: number;
  ok: boolean;
  /** Attempts our retry policy made (1 when the first one succeeded). */
  attempts: number;
  /** The taxonomy category of the final failure, when ok is false. */
  errorCategory?: string;
}

/**
 * Storage reports every upload here; the worker wires it to Prometheus
 * metrics. Implementations must not throw.
 */
export interface UploadObserver {
  onUpload(event: UploadEvent): void;
}

export const noopUploadObserver: UploadObserver = { onUpload() {} };
