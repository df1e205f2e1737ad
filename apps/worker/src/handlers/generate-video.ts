import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  QUALITY_PRESETS,
  VidgenError,
  toVidgenError,
  validateJobResult,
  type JobError,
  type JobResult,
  type Logger,
  type StageName,
} from '@vidgen/core';
import { probe } from '@vidgen/ffmpeg';
import { runWithContext } from '@vidgen/observability';
import type { JobStore, VideoJob } from '@vidgen/queue';
import { jobObjectKey, uploadFile } from '@vidgen/storage';
import { renderTitleCard } from '../render/title-card';
import { StageProgress } from '../stage-progress';

export interface GenerateVideoDeps {
  store: JobStore;
  s3: S3Client;
  bucket: string;
  partSizeBytes: number;
  queueSize: number;
  ffmpegPath: string;
  ffprobePath: string;
  scratchRoot: string;
  titleCardSeconds: number;
  logger: Logger;
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
 * Retryable failures go back to Bull (the record shows queued + last error);
 * permanent ones end the job at once.
 */
export function createGenerateVideoHandler(deps: GenerateVideoDeps) {
  const { store, s3, bucket, ffmpegPath, ffprobePath, scratchRoot, logger: rootLogger } = deps;

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
      logger.info('job started', { owner: record.owner, quality: record.configuration.quality });
      const started = Date.now();
      const progress = new StageProgress(store, job_id, logger);
      let stage: StageName | null = 'planning';
      await mkdir(scratchRoot, { recursive: true });
      const scratchDir = await mkdtemp(path.join(scratchRoot, `${job_id}-`));
      try {
        const enter = (s: StageName) => {
          stage = s;
          progress.sink(s, 0);
        };
        const videoPath = await renderTitleCard({
          configuration: record.configuration,
          scratchDir,
          ffmpegPath,
          durationSeconds: deps.titleCardSeconds,
          progress: (s, p) => {
            stage = s;
            progress.sink(s, p);
          },
        });
        // One title card is already the combined video; later stages are not run by the skeleton.
        progress.skip('combining');
        progress.skip('generating_thumbnails');
        progress.skip('encoding_renditions');

        enter('extracting_metadata');
        const facts = await probe(videoPath, { ffprobePath });
        const preset = QUALITY_PRESETS[record.configuration.quality];
        if (facts.video?.codec !== 'h264' || facts.video.width !== preset.width || facts.video.height !== preset.height) {
          throw new VidgenError('RENDER_FAILED', { message: 'The rendered video does not match the requested preset.', details: { probe: facts.video } });
        }
        progress.sink('extracting_metadata', 100);

        enter('uploading');
        const key = jobObjectKey(record.owner, job_id, 'video.mp4');
        const uploaded = await uploadFile({
          client: s3,
          bucket,
          key,
          filePath: videoPath,
          contentType: 'video/mp4',
          partSizeBytes: deps.partSizeBytes,
          queueSize: deps.queueSize,
          onProgress: (loaded, total) => progress.sink('uploading', total ? (loaded / total) * 100 : 0),
          logger,
        });

        enter('finalizing');
        const result: JobResult = validateJobResult({
          outputs: [
            { kind: 'video', key: uploaded.key, size_bytes: uploaded.size_bytes, content_type: 'video/mp4', width: facts.video.width, height: facts.video.height },
          ],
          duration_seconds: facts.duration_seconds,
        });
        await progress.flush();
        const done = await store.complete(job_id, result);
        if (done !== 'ok') logger.warn('job was not processing at finalization; result not stored', { status: done });
        else logger.info('job completed', { duration_ms: Date.now() - started, size_bytes: uploaded.size_bytes });
      } catch (err) {
        const e = toVidgenError(err);
        const jobError = toJobError(e, stage, attempt);
        const attempts = job.opts.attempts ?? 1;
        const willRetry = e.retryable && attempt < attempts;
        logger.error('job attempt failed', { err, code: e.code, category: e.category, stage, will_retry: willRetry });
        await progress.flush();
        if (willRetry) {
          await store.markRetrying(job_id, jobError);
        } else {
          await store.fail(job_id, jobError);
          // A permanent error gets no further attempts.
          if (!e.retryable) await job.discard();
        }
        throw e;
      } finally {
        await rm(scratchDir, { recursive: true, force: true });
      }
    });
  };
}
