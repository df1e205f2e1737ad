import { DEFAULT_OUTPUT_FORMATS, VidgenError, classifyError, renderedBefore, validateJobResult, type JobRecord, type JobResult, type Logger, type OutputRecord, type PlanResult, type StageName } from '@vidgen/core';
import type { ArtifactCache, CachedDelivery } from './artifact-cache';
import type { JobRecords, ProgressReporter, ProgressRuns, QueuedJob, VideoSeconds } from './ports';
import { abortCause, type AttemptSignals } from './signals';
import { recordFailure } from './failure';

/** Stages a run from the artifact cache does not repeat. */
const RENDER_STAGES: readonly StageName[] = ['planning', 'rendering_scenes', 'combining', 'generating_thumbnails', 'encoding_renditions', 'extracting_metadata'];

/** Rendered files ready to upload, with the length the video really has. */
export interface PreparedOutputs extends CachedDelivery {
  durationSeconds: number;
}

/** What a render hands to the delivery: its scratch files stay until `cleanup`. */
export interface Rendered {
  cleanup(): Promise<void>;
  warnings: readonly unknown[];
}

export interface RenderOptions {
  signal: AbortSignal;
  onProgress: (stage: StageName, percentage: number) => void;
  onPlanned: (plan: PlanResult) => void;
  stills: { count: number; thumbnailWidth: number };
  hls?: { segmentSeconds: number };
  budgetSeconds?: number;
}

/** The pipeline (PipelineIntegrator): planning, scenes, combining. */
export interface Renderer<R extends Rendered> {
  run(record: JobRecord, options: RenderOptions): Promise<R>;
}

/** A job's uploads, started as outputs become final, finished (all verified) before the job completes. */
export interface DeliveryUploads<P extends PreparedOutputs> {
  start(outputs: P['outputs']): void;
  abort(): Promise<void>;
  finish(outputs: P['outputs'], onProgress: (percentage: number) => void): Promise<OutputRecord[]>;
}

/** From a render to uploaded outputs and the video's metadata (the worker's output model). */
export interface Delivery<R extends Rendered, P extends PreparedOutputs, M> {
  /** generating_thumbnails → encoding_renditions → extracting_metadata; `onFinal` gets outputs that may be uploaded now. */
  prepare(input: { record: JobRecord; rendered: R; report: (stage: StageName, percentage: number) => void; skip: (stage: StageName) => Promise<void>; signal: AbortSignal; onFinal: (outputs: P['outputs']) => void }): Promise<P>;
  uploads(record: JobRecord, signal: AbortSignal): DeliveryUploads<P>;
  /** The first metadata version of the job's video, from the uploaded outputs. */
  metadataInput(record: JobRecord, prepared: P, outputs: readonly OutputRecord[]): M;
}

export interface AttemptDeps<R extends Rendered, P extends PreparedOutputs, M> {
  store: Pick<JobRecords, 'get' | 'markProcessing' | 'replayTerminal' | 'setWarnings' | 'complete' | 'markRetrying' | 'fail'>;
  tracker: ProgressRuns;
  /** The throttled reporter of one progress run. */
  progressReporter: (jobId: string, runId: string) => ProgressReporter;
  integrator: Renderer<R>;
  delivery: Delivery<R, P, M>;
  /** The video metadata store (VideoMetadataManager). */
  metadata: { createForJob(input: M): Promise<unknown> };
  /** Per-attempt abort signals: cancel, time limit, shutdown. */
  signals: AttemptSignals;
  /** Clears the ended progress run of a resubmitted job (createStaleProgressReset in @vidgen/progress). */
  resetStaleProgress: (jobId: string) => Promise<boolean>;
  /** OWNER_DAILY_VIDEO_SECONDS: settled to the rendered length at completion, released or charged at a failure; absent: no budget. */
  budget?: Pick<VideoSeconds, 'settle' | 'release' | 'charge' | 'headroomFor'>;
  /** Outputs of attempts whose upload failed; null: no cache. */
  artifacts: Pick<ArtifactCache<P>, 'load' | 'keep' | 'remove'> | null;
  /** The stills and HLS the render pass makes itself (issue 15). */
  renderOutputs: { thumbnailCount: number; thumbnailWidth: number; hlsSegmentSeconds: number };
  logger: Logger;
  /** Per-job log context (correlation id, job id, attempt); absent: none. */
  context?: { run<T>(fields: Record<string, unknown>, fn: () => Promise<T>): Promise<T>; set(fields: Record<string, unknown>): void };
  /** The pipeline's wall time (planning, scenes, combining) of a rendered attempt, for the render speed metric. */
  onRendered?: (jobId: string, renderMs: number) => void;
}

/**
 * The handler for one video job. The queue payload carries ids only: the
 * record is reloaded, and a job deleted or finished meanwhile returns cleanly.
 * Each pickup starts a new progress run. Retryable failures go back to the
 * queue (the record shows queued with the last error); permanent ones end the job.
 */
export function createAttemptHandler<R extends Rendered, P extends PreparedOutputs, M>(deps: AttemptDeps<R, P, M>) {
  const { store, tracker, integrator, delivery, renderOutputs, logger: rootLogger } = deps;
  const runWithContext = <T>(fields: Record<string, unknown>, fn: () => Promise<T>) => (deps.context ? deps.context.run(fields, fn) : fn());
  const setContext = (fields: Record<string, unknown>) => deps.context?.set(fields);

  return async function handleAttempt(job: QueuedJob): Promise<void> {
    const { job_id, correlation_id } = job.data;
    await runWithContext({ correlation_id, job_id }, async () => {
      const logger = rootLogger.child({});
      const record = await store.get(job_id);
      if (!record) {
        logger.warn('job record not found; it was deleted, skipping');
        return;
      }
      // The record counts attempts across queue retries, stalled recoveries and POST /retry (a new queue job).
      const attempt = record.attempt + 1;
      setContext({ attempt });
      const picked = await store.markProcessing(job_id, attempt);
      if (picked !== 'ok') {
        logger.info('job not runnable, skipping', { status: picked });
        if (picked === 'completed' || picked === 'failed' || picked === 'cancelled') await settleEnded(job_id, picked, logger, job.id);
        return;
      }
      const scope = deps.signals.begin(job_id);
      try {
        await runAttempt(job, record, attempt, scope.signal, logger);
      } finally {
        scope.end();
      }
    });
  };

  /**
   * An ended job handed out again: the worker that ended it died (or lost
   * Redis) before the queue recorded the end, maybe between the transition and
   * what follows it. Replays the terminal event (same event id: a webhook
   * still pending is not doubled); its progress run ended with the transition.
   */
  async function settleEnded(jobId: string, status: 'completed' | 'failed' | 'cancelled', logger: Logger, queueJobId: string): Promise<void> {
    try {
      await store.replayTerminal(jobId);
      // The dead worker may not have settled the job's video seconds either (each step is idempotent).
      const ended = deps.budget ? await store.get(jobId) : null;
      if (ended && deps.budget) {
        if (ended.status === 'completed' && ended.result) await deps.budget.settle(ended.owner, queueJobId, ended.result.duration_seconds);
        else if (ended.status === 'failed' && renderedBefore(ended.error?.stage ?? null)) await deps.budget.charge(ended.owner, queueJobId);
        else if (ended.status !== 'completed') await deps.budget.release(ended.owner, queueJobId);
      }
      logger.info('ended job settled after a re-delivery', { status });
    } catch (err) {
      logger.warn('settling an ended job failed', { status, err });
    }
  }

  /** The owner's daily video seconds, for the failure hook (a declaration: it sits after the handler's return). */
  function budgetOf(record: JobRecord) {
    return deps.budget ? { seconds: deps.budget, owner: record.owner } : undefined;
  }

  async function runAttempt(job: QueuedJob, record: JobRecord, attempt: number, signal: AbortSignal, logger: Logger): Promise<void> {
    const { job_id } = job.data;
    let run = await tracker.startRun(job_id, { attempt });
    if (!run.ok && run.reason === 'terminal' && (await deps.resetStaleProgress(job_id))) run = await tracker.startRun(job_id, { attempt });
    if (!run.ok && run.reason === 'terminal' && (await store.get(job_id))?.status !== 'processing') {
      // Cancelled (or otherwise ended) between the pickup and the run's start: nothing to run or record.
      logger.info('the job ended before its run started; the attempt stops');
      return;
    }
    if (!run.ok) {
      const error = run.error ?? new VidgenError('INTERNAL_ERROR', { message: `progress run refused: ${run.reason}` });
      // The record is processing now: it must not stay so.
      return recordFailure({ job, error, stage: null, attempt, store, budget: budgetOf(record), logger });
    }
    const { runId } = run;
    logger.info('job started', { owner: record.owner, quality: record.configuration.quality, run_id: runId });
    const started = Date.now();

    // Assigned from the progress callback; the cast keeps TypeScript from narrowing it to 'planning'.
    let stage = 'planning' as StageName | null;
    const callback = deps.progressReporter(job_id, runId);
    const report = (s: StageName, pct: number) => {
      stage = s;
      callback(s, pct);
    };

    const skip = async (name: StageName) => {
      await callback.flush();
      await tracker.skipStage(job_id, runId, name);
    };

    let fromCache = false;
    let early: DeliveryUploads<P> | null = null;
    try {
      let prepared = deps.artifacts ? await deps.artifacts.load(job_id) : null;
      let cleanup = async () => {};
      if (prepared) {
        fromCache = true;
        logger.info('uploading the outputs of an earlier attempt from the artifact cache, without rendering again', { objects: prepared.outputs.length });
        for (const name of RENDER_STAGES) await skip(name);
      } else {
        const renderStarted = Date.now();
        // The planning stage's outcome: its detail on the progress run, its warnings on the record.
        let planWrites: Promise<unknown> = Promise.resolve();
        const onPlanned = ({ report: planning, warnings, scenes }: PlanResult) => {
          logger.info('planned', { ...planning, scenes: scenes.length, warnings: warnings.map((w) => w.code) });
          planWrites = Promise.all([
            tracker.setStageDetail(job_id, runId, 'planning', { ...planning }),
            warnings.length ? store.setWarnings(job_id, warnings, attempt) : null,
          ]).catch((err) => logger.warn('planning detail not stored', { err }));
        };
        // A language-model plan is held to what the owner's budget still allows this job (its reservation included).
        const budgetSeconds = deps.budget ? await deps.budget.headroomFor(record.owner, job.id).catch(() => undefined) : undefined;
        // Stills and lower HLS rungs come from the render pass's own frames (issue 15).
        const stills = { count: renderOutputs.thumbnailCount, thumbnailWidth: renderOutputs.thumbnailWidth };
        const hls = (record.configuration.formats ?? DEFAULT_OUTPUT_FORMATS).includes('hls') ? { segmentSeconds: renderOutputs.hlsSegmentSeconds } : undefined;
        const rendered = await integrator.run(record, { signal, onProgress: report, onPlanned, stills, hls, ...(budgetSeconds !== undefined ? { budgetSeconds } : {}) });
        await planWrites;
        deps.onRendered?.(job_id, Date.now() - renderStarted);
        cleanup = rendered.cleanup;
        if (rendered.warnings.length) logger.warn('render warnings', { warnings: rendered.warnings });
        // Each output is uploaded as soon as it is final, while later ones are made (issue 15).
        early = delivery.uploads(record, signal);
        const inFlight = early;
        try {
          prepared = await delivery.prepare({ record, rendered, report, skip, signal, onFinal: (outputs) => inFlight.start(outputs) });
        } catch (err) {
          // No upload may still read the files the cleanup removes.
          await inFlight.abort();
          await cleanup();
          throw err;
        }
      }
      try {
        await deliver(record, prepared, early ?? delivery.uploads(record, signal), { report, signal, logger, flush: () => callback.flush(), attempt, started, queueJobId: job.id });
        await deps.artifacts?.remove(job_id);
      } catch (err) {
        // A storage failure after the render: keep the outputs, so the next attempt only uploads.
        const e = classifyError(err, stage);
        if (!fromCache && deps.artifacts && stage === 'uploading' && e.category === 'storage' && e.retryable && !signal.aborted) {
          if (await deps.artifacts.keep(job_id, prepared)) logger.info('rendered outputs kept in the artifact cache for the next attempt');
        }
        throw err;
      } finally {
        await cleanup();
      }
    } catch (err) {
      const error = abortCause(signal) ?? classifyError(err, stage);
      await callback.flush().catch(() => undefined);
      await recordFailure({ job, error, stage, attempt, store, budget: budgetOf(record), logger });
    }
  }

  interface DeliverContext {
    report: (s: StageName, pct: number) => void;
    signal: AbortSignal;
    logger: Logger;
    flush: () => Promise<void>;
    attempt: number;
    started: number;
    queueJobId: string;
  }

  /** uploading → finalizing: the job is completed exactly once (JobStore.complete, which also ends the progress run). */
  async function deliver(record: JobRecord, prepared: P, uploading: DeliveryUploads<P>, ctx: DeliverContext): Promise<void> {
    const { report, signal, logger } = ctx;
    const job_id = record.job_id;
    if (signal.aborted) await uploading.abort();
    signal.throwIfAborted();
    report('uploading', 0);
    const outputs = await uploading.finish(prepared.outputs, (p) => report('uploading', p));
    report('uploading', 100);
    const uploadedBytes = outputs.reduce((a, o) => a + o.size_bytes, 0);

    signal.throwIfAborted();
    report('finalizing', 0);
    const result: JobResult = validateJobResult({ outputs, duration_seconds: prepared.durationSeconds });
    // Version 1 of the video's metadata; idempotent, so a re-run finalization finds the same video.
    await deps.metadata.createForJob(delivery.metadataInput(record, prepared, outputs));
    await ctx.flush();
    const done = await store.complete(job_id, result, ctx.attempt);
    if (done !== 'ok') {
      logger.warn('job was not processing at finalization; result not stored', { status: done });
      return;
    }
    // The owner's daily budget is charged what was rendered, not what was planned.
    await deps.budget?.settle(record.owner, ctx.queueJobId, prepared.durationSeconds).catch((err) => logger.warn('settling the video seconds failed', { err }));
    logger.info('job completed', { duration_ms: Date.now() - ctx.started, size_bytes: uploadedBytes, objects: outputs.length, video_seconds: prepared.durationSeconds });
  }
}
