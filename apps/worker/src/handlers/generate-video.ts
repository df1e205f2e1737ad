import type { S3Client } from '@aws-sdk/client-s3';
import {
  QUALITY_PRESETS,
  VidgenError,
  toVidgenError,
  validateJobResult,
  type JobError,
  type JobResult,
  type Logger,
  type OutputRecord,
  type StageName,
} from '@vidgen/core';
import { probe } from '@vidgen/ffmpeg';
import { runWithContext } from '@vidgen/observability';
import type { PipelineIntegrator } from '@vidgen/pipeline';
import { createProgressCallback, type JobProgressTracker } from '@vidgen/progress';
import type { JobStore, VideoJob } from '@vidgen/queue';
import { jobObjectKey, uploadFile } from '@vidgen/storage';

export interface GenerateVideoDeps {
  store: JobStore;
  tracker: JobProgressTracker;
  integrator: PipelineIntegrator;
  s3: S3Client;
  bucket: string;
  partSizeBytes: number;
  queueSize: number;
  ffprobePath: string;
  progressMinIntervalMs: number;
  logger: Logger;
  onProgressFailure?: (err: unknown) => void;
}

export function toJobError(err: VidgenError, stage: StageName | null, attempt: number): JobError {
  const e: JobError = {
    code: err.code,
    category: err.category,
    message: err.message,
    suggested_action: err.suggestedAction,
    retryable: err.retryable,
    stage,
    attempt,
    occurred_at: new Date().toISOString(),
  };
  if (err.details !== undefined) e.details = err.details;
  return e;
}

/**
 * The handler for one video job. The queue payload carries ids only: the
 * record is reloaded, and a job deleted or finished meanwhile returns cleanly.
 * Each pickup starts a new progress run. Retryable failures go back to Bull
 * (the record shows queued with the last error); permanent ones end the job.
 */
export function createGenerateVideoHandler(deps: GenerateVideoDeps) {
  const { store, tracker, integrator, s3, bucket, ffprobePath, logger: rootLogger } = deps;

  return async function handleGenerateVideo(job: VideoJob): Promise<void> {
    const { job_id, correlation_id } = job.data;
    const attempt = job.attemptsMade + 1;
    await runWithContext({ correlation_id, job_id, attempt }, async () => {
      const logger = rootLogger.child({});
      const record = await store.get(job_id);
      if (!record) {
        logger.warn('job record not found; it was deleted, skipping');
        return;
      }
      const picked = await store.markProcessing(job_id, attempt);
      if (picked !== 'ok') {
        logger.info('job not runnable, skipping', { status: picked });
        return;
      }
      const run = await tracker.startRun(job_id, { attempt });
      if (!run.ok) throw run.error ?? new VidgenError('INTERNAL_ERROR', { message: `progress run refused: ${run.reason}` });
      const { runId } = run;
      logger.info('job started', { owner: record.owner, quality: record.configuration.quality, run_id: runId });
      const started = Date.now();

      let stage: StageName | null = 'planning';
      const callback = createProgressCallback({ tracker, jobId: job_id, runId, logger, minIntervalMs: deps.progressMinIntervalMs, onFailure: deps.onProgressFailure });
      const report = (s: StageName, pct: number) => {
        stage = s;
        callback(s, pct);
      };

      try {
        const rendered = await integrator.run(record, { onProgress: report });
        try {
          if (rendered.warnings.length) logger.warn('render warnings', { warnings: rendered.warnings });
          // Thumbnails and renditions are not produced yet: those stages are skipped, not faked.
          await callback.flush();
          for (const skipped of ['generating_thumbnails', 'encoding_renditions'] as const) await tracker.skipStage(job_id, runId, skipped);

          report('extracting_metadata', 0);
          const facts = await probe(rendered.videoPath, { ffprobePath });
          const preset = QUALITY_PRESETS[record.configuration.quality];
          if (facts.video?.codec !== 'h264' || facts.video.width !== preset.width || facts.video.height !== preset.height) {
            throw new VidgenError('RENDER_FAILED', { message: 'The rendered video does not match the requested preset.', details: { probe: facts.video } });
          }
          report('extracting_metadata', 100);

          report('uploading', 0);
          const upload = (output: string, filePath: string, contentType: string, onProgress?: (loaded: number, total: number) => void) =>
            uploadFile({
              client: s3,
              bucket,
              key: jobObjectKey(record.owner, job_id, output),
              filePath,
              contentType,
              partSizeBytes: deps.partSizeBytes,
              queueSize: deps.queueSize,
              onProgress,
              logger,
            });
          const video = await upload('video.mp4', rendered.videoPath, 'video/mp4', (loaded, total) => report('uploading', total ? (loaded / total) * 100 : 0));
          const outputs: OutputRecord[] = [
            { kind: 'video', key: video.key, size_bytes: video.size_bytes, content_type: 'video/mp4', width: facts.video.width, height: facts.video.height },
          ];
          if (rendered.subtitlesPath) {
            const vtt = await upload('subtitles.vtt', rendered.subtitlesPath, 'text/vtt');
            outputs.push({ kind: 'subtitles', key: vtt.key, size_bytes: vtt.size_bytes, content_type: 'text/vtt' });
          }
          report('uploading', 100);

          report('finalizing', 0);
          const result: JobResult = validateJobResult({ outputs, duration_seconds: facts.duration_seconds });
          await callback.flush();
          const done = await store.complete(job_id, result);
          if (done !== 'ok') {
            logger.warn('job was not processing at finalization; result not stored', { status: done });
            return;
          }
          await tracker.finish(job_id, runId, 'completed');
          logger.info('job completed', { duration_ms: Date.now() - started, size_bytes: video.size_bytes, video_seconds: facts.duration_seconds });
        } finally {
          await rendered.cleanup();
        }
      } catch (err) {
        const e = toVidgenError(err);
        const jobError = toJobError(e, stage, attempt);
        const attempts = job.opts.attempts ?? 1;
        const willRetry = e.retryable && attempt < attempts;
        logger.error('job attempt failed', { err, code: e.code, category: e.category, stage, will_retry: willRetry });
        await callback.flush();
        if (willRetry) {
          await store.markRetrying(job_id, jobError);
        } else {
          await store.fail(job_id, jobError);
          await tracker.finish(job_id, runId, 'failed');
          // A permanent error gets no further attempts.
          if (!e.retryable) await job.discard();
        }
        throw e;
      }
    });
  };
}
