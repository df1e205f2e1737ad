import path from 'node:path';
import {
  DEFAULT_OUTPUT_FORMATS,
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
import { packageHls, renderThumbnails, type PipelineIntegrator } from '@vidgen/pipeline';
import { createProgressCallback, type JobProgressTracker } from '@vidgen/progress';
import type { JobStore, VideoJob } from '@vidgen/queue';
import type { S3UploadManager } from '@vidgen/storage';
import { factsFromProbe, type VideoMetadataManager } from '@vidgen/metadata';
import { buildMetadataInput, type RenditionFacts } from './metadata';
import { planOutputs } from './outputs';
import { uploadOutputs } from './upload-outputs';

export interface GenerateVideoDeps {
  store: JobStore;
  tracker: JobProgressTracker;
  integrator: PipelineIntegrator;
  uploads: S3UploadManager;
  metadata: VideoMetadataManager;
  ffmpegPath: string;
  ffprobePath: string;
  delivery: { thumbnailCount: number; thumbnailWidth: number; hlsSegmentSeconds: number };
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
  const { store, tracker, integrator, uploads, ffmpegPath, ffprobePath, delivery, logger: rootLogger } = deps;

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
          const formats = record.configuration.formats ?? DEFAULT_OUTPUT_FORMATS;
          const deliveryDir = path.join(rendered.scratchDir, 'delivery');
          const media = { ffmpegPath, input: rendered.videoPath, durationSeconds: rendered.durationSeconds };

          report('generating_thumbnails', 0);
          const thumbnails = await renderThumbnails({
            ...media,
            outDir: deliveryDir,
            width: rendered.width,
            height: rendered.height,
            count: delivery.thumbnailCount,
            thumbnailWidth: delivery.thumbnailWidth,
            onProgress: (p) => report('generating_thumbnails', p),
          });
          report('generating_thumbnails', 100);

          let hls = null;
          if (formats.includes('hls')) {
            report('encoding_renditions', 0);
            hls = await packageHls({
              ...media,
              ffprobePath,
              quality: record.configuration.quality,
              sourceFps: rendered.fps,
              outDir: deliveryDir,
              segmentSeconds: delivery.hlsSegmentSeconds,
              onProgress: (p) => report('encoding_renditions', p),
            });
            report('encoding_renditions', 100);
          } else {
            await callback.flush();
            await tracker.skipStage(job_id, runId, 'encoding_renditions');
          }

          report('extracting_metadata', 0);
          const facts = await probe(rendered.videoPath, { ffprobePath });
          const preset = QUALITY_PRESETS[record.configuration.quality];
          if (facts.video?.codec !== 'h264' || facts.video.width !== preset.width || facts.video.height !== preset.height) {
            throw new VidgenError('RENDER_FAILED', { message: 'The rendered video does not match the requested preset.', details: { probe: facts.video } });
          }
          // Every rendition gets its own facts: the HLS variants are probed through their local playlists.
          const variantFacts = await Promise.all(
            (hls?.variants ?? []).map(async (v) => ({ label: v.label, facts: factsFromProbe(await probe(v.playlistPath, { ffprobePath })) })),
          );
          report('extracting_metadata', 100);

          report('uploading', 0);
          const local = planOutputs({ formats, videoPath: rendered.videoPath, width: facts.video.width, height: facts.video.height, subtitlesPath: rendered.subtitlesPath, thumbnails, hls });
          const outputs = await uploadOutputs({ uploads, owner: record.owner, jobId: job_id, outputs: local, onProgress: (p) => report('uploading', p) });
          report('uploading', 100);
          const uploadedBytes = outputs.reduce((a, o) => a + o.size_bytes, 0);

          report('finalizing', 0);
          const result: JobResult = validateJobResult({ outputs, duration_seconds: facts.duration_seconds });
          const hlsRenditions: RenditionFacts[] = variantFacts.flatMap(({ label, facts: f }) => {
            const playlist = outputs.find((o) => o.kind === 'hls_playlist' && o.rendition === label);
            return playlist ? [{ label, format: 'hls' as const, key: playlist.key, facts: f }] : [];
          });
          // Version 1 of the video's metadata; idempotent, so a re-run finalization finds the same video.
          await deps.metadata.createForJob(buildMetadataInput(record, factsFromProbe(facts), outputs, hlsRenditions));
          await callback.flush();
          const done = await store.complete(job_id, result);
          if (done !== 'ok') {
            logger.warn('job was not processing at finalization; result not stored', { status: done });
            return;
          }
          await tracker.finish(job_id, runId, 'completed');
          logger.info('job completed', { duration_ms: Date.now() - started, size_bytes: uploadedBytes, objects: outputs.length, video_seconds: facts.duration_seconds });
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
