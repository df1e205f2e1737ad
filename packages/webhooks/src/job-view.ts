import type { JobRecord } from '@vidgen/core';

export interface SignedUrl {
  url: string;
  /** Null for URLs that do not expire (CDN). */
  expiresAt: Date | null;
}

export interface WebhookJobViewOptions {
  /** Signs the video's key for download (the same signer the API uses for GET). */
  signVideo?: (key: string) => Promise<SignedUrl | null>;
  /** The job's absolute URL (links.self), under the API's PUBLIC_BASE_URL. */
  jobPath: (jobId: string) => string;
}

/**
 * The webhook body's job, built from the record alone (the worker has no API
 * token signer): GET's fields except the result's API-signed links
 * (download_url, hls_url, subtitles_url, poster_url, storyboard_url),
 * warnings and queue_position; links.self only (the event stream has ended);
 * progress as the record holds it. One presenter for both is issue 16's work.
 */
export async function presentJobForWebhook(record: JobRecord, options: WebhookJobViewOptions): Promise<Record<string, unknown>> {
  let result = null;
  if (record.status === 'completed' && record.result) {
    const video = record.result.outputs.find((o) => o.kind === 'video');
    const signed = video && options.signVideo ? await options.signVideo(video.key) : null;
    result = {
      video_url: signed?.url ?? null,
      video_url_expires_at: signed?.expiresAt?.toISOString() ?? null,
      duration_seconds: record.result.duration_seconds,
      outputs: record.result.outputs,
    };
  }
  return {
    job_id: record.job_id,
    status: record.status,
    progress: record.progress,
    configuration: record.configuration,
    attempt: record.attempt,
    created_at: record.created_at,
    updated_at: record.updated_at,
    started_at: record.started_at,
    completed_at: record.completed_at,
    error: record.status === 'failed' ? record.error : null,
    last_error: record.status !== 'failed' ? record.error : null,
    result,
    links: { self: options.jobPath(record.job_id) },
  };
}
