import os from 'node:os';
import path from 'node:path';
import { mkdir, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { Config } from '@vidgen/config';
import type { Logger } from '@vidgen/core';
import { binaryVersion, resolveFfmpegPath, resolveFfprobePath } from '@vidgen/ffmpeg';
import { PipelineIntegrator, ttsAvailable } from '@vidgen/pipeline';
import { announceVoices, detectNarration, voiceWorkerId } from './narration';
import { VideoMetadataManager } from '@vidgen/metadata';
import { JobProgressTracker, createProgressCallback, createStaleProgressReset } from '@vidgen/progress';
import { BullJobQueue, FairShare, JobStore, OwnerLeases, VideoBudget, closeRedis, createRedis, createVideoQueue, type ConsumedJob, type VideoQueue } from '@vidgen/queue';
import { ArtifactCache, createAttemptHandler, drainJobs } from '@vidgen/jobs';
import { S3UploadManager, checkBucket, createS3Client } from '@vidgen/storage';
import { createUploadObserver } from './upload-observer';
import { createWorkerDelivery } from './handlers/delivery';
import type { PreparedDelivery } from '@vidgen/jobs';
import { createHealthServer } from './health';
import { createMetricsRegistry, createReadiness, createWorkerMetrics, registerQueueMetrics, renderMetrics, runWithContext, setContext, type ServiceInfo } from '@vidgen/observability';
import { instrumentJobHandler } from './instrumentation';
import { createBackgroundWork } from './background';
import { createAttemptControl } from './attempt-control';
import { runJanitor, scratchOwnerName, startJanitor } from './janitor';
import { plannerFromSettings } from '@vidgen/planner';

export interface RunningWorker {
  queue: VideoQueue;
  health: Server;
  healthPort: number;
  stop(): Promise<void>;
}

/** Wires the worker from a validated config: queue consumer, health server, dependencies. */
export async function startWorker(config: Config, logger: Logger, info: ServiceInfo = { version: '0.0.0' }): Promise<RunningWorker> {
  const registry = createMetricsRegistry({ service: 'worker', version: info.version });
  const metrics = createWorkerMetrics(registry);
  const ffmpegPath = resolveFfmpegPath(config.worker.ffmpegPath);
  const ffprobePath = resolveFfprobePath(config.worker.ffprobePath);
  const redis = createRedis({ url: config.redis.url, connectionName: 'vidgen-worker' });
  redis.on('error', (err) => {
    metrics.redisError('store');
    logger.warn('redis error', { err: err.message });
  });
  const s3 = createS3Client(config.s3);
  // Object purges and webhook deliveries; the store's terminal hook enqueues the webhooks.
  const background = createBackgroundWork(config, redis, s3, logger);
  const store = new JobStore(redis, config.redis.prefix, { ...background.storeOptions, terminalTtlSeconds: config.redis.recordTtlSeconds, failedTtlSeconds: config.redis.failedRecordTtlSeconds });
  const bullQueue = createVideoQueue({
    redisUrl: config.redis.url,
    prefix: config.redis.prefix,
    lockDurationMs: config.queue.lockDurationMs,
    stalledIntervalMs: config.queue.stalledIntervalMs,
    maxStalledCount: config.queue.maxStalledCount,
    retryProcessDelayMs: config.queue.retryProcessDelayMs,
  });
  // Owner-fair scheduling: virtual now follows the priority (fair tag) of each job this worker starts
  // (a job parked for its owner's active cap has not started: see gateByOwner).
  const fairShare = config.queue.fairShare ? new FairShare(redis, config.redis.prefix) : null;
  const onStart = (_job: ConsumedJob<unknown>, priority: number | undefined) => void fairShare?.started(priority).catch((err) => logger.warn('fair share update failed', { err }));
  // OWNER_MAX_ACTIVE_JOBS: leases live as long as Bull's job locks, so a dead worker's job and its slot come back together.
  // Taken with the limit off too (no cap then): they are how GET /usage counts an owner's running jobs.
  const leases = new OwnerLeases({ redis, prefix: config.redis.prefix, cap: config.limits.ownerMaxActiveJobs, leaseMs: config.queue.lockDurationMs });
  leases.startHeartbeat((err) => logger.warn('renewing owner leases failed', { err }));
  const queue = new BullJobQueue(bullQueue);
  queue.onError((err) => {
    metrics.redisError('queue');
    logger.warn('queue error', { err: err.message });
  });
  registerQueueMetrics(registry, {
    read: () => queue.stats(),
    cacheMs: config.metrics.queueCacheMs,
    onError: (err) => logger.warn('queue stats failed', { err }),
  });

  // The engines and voices installed here, found once: what this worker announces and narrates with.
  const detected = config.narrationEnabled ? await detectNarration({ engine: config.tts.engine, sentenceTimeoutMs: config.tts.sentenceTimeoutMs }) : null;
  const narration = detected && 'narration' in detected ? detected.narration : null;
  if (detected && 'unavailable' in detected) logger.error('no narration on this worker: it stays unready', { err: detected.unavailable.message });
  if (narration) logger.info('narration engine', { engine: narration.engine, default_voice: narration.defaultVoice, voices: narration.voices.map((v) => v.id) });

  const ready = createReadiness({
    redis: { required: true, run: () => redis.ping() },
    storage: { required: true, run: () => checkBucket(s3, config.s3.bucket) },
    ffmpeg: { required: true, run: () => binaryVersion(ffmpegPath) },
    ffprobe: { required: true, run: () => binaryVersion(ffprobePath) },
    // TTS is a capability; it makes the worker unready only where narration is enabled.
    tts: {
      required: config.narrationEnabled,
      run: async () => {
        if (detected && 'unavailable' in detected) throw new Error(detected.unavailable.message);
        const runs = narration ? await narration.runs() : await ttsAvailable({ engine: config.tts.engine });
        if (!runs) throw new Error(narration ? `${narration.engine} no longer runs` : config.tts.engine ? `TTS_ENGINE=${config.tts.engine} is not installed` : 'no narration engine (festival, flite, espeak-ng) is installed');
      },
    },
  });
  const scratchBaseDir = config.worker.scratchDir ?? path.join(os.tmpdir(), 'vidgen');
  // Every worker process keeps its jobs' scratch dirs in a dir of its own, so a janitor can tell a dead worker's dirs from a live one's.
  const ownScratchDir = path.join(scratchBaseDir, await scratchOwnerName());
  await mkdir(ownScratchDir, { recursive: true });
  // Before the worker reports ready and takes jobs: kill ffmpeg runs orphaned by a dead worker of this machine, remove its scratch dirs; then again periodically.
  const janitorOptions = { ffmpegPath, scratchBaseDir, staleAfterMs: config.worker.scratchStaleAfterMs, logger };
  await runJanitor(janitorOptions);
  const stopScratchJanitor = startJanitor({ ...janitorOptions, intervalMs: config.worker.scratchJanitorIntervalMs });
  const control = createAttemptControl(config, logger, async (jobId) => (await store.get(jobId))?.status === 'cancelled');
  await control.start();
  const artifacts = new ArtifactCache<PreparedDelivery>({ dir: config.worker.artifactCacheDir ?? path.join(os.tmpdir(), 'vidgen-artifacts'), ttlMs: config.worker.artifactCacheTtlMs, logger });
  const stopArtifactJanitor = artifacts.startJanitor();
  const health = createHealthServer(ready, { metrics: () => renderMetrics(registry) });
  await new Promise<void>((resolve, reject) => {
    health.once('error', reject);
    health.listen(config.worker.port, config.worker.host, () => resolve());
  });
  const address = health.address();
  const healthPort = typeof address === 'object' && address ? address.port : config.worker.port;

  const tracker = new JobProgressTracker({ redis, prefix: config.redis.prefix, logger, terminalTtlSeconds: config.redis.recordTtlSeconds, failedTtlSeconds: config.redis.failedRecordTtlSeconds });
  // Narration speaks with the engine chosen above (TTS_ENGINE or the best installed); a worker without one fails narrated jobs with TTS_UNAVAILABLE.
  // `tts` is the setup of the synthesizers the pipeline builds itself, for a voice the job names (configuration.voice).
  const tts = { engine: config.tts.engine, sentenceTimeoutMs: config.tts.sentenceTimeoutMs };
  const speech = detected ? { synthesizer: narration?.synthesizerFor(), ttsCheck: narration ? narration.runs : async () => false, tts } : {};
  const planner = plannerFromSettings(config.planner, { redis, prefix: config.redis.prefix, maxVideoSeconds: config.limits.maxVideoSeconds, logger, observer: { call: (model, outcome, ms) => metrics.plannerCall(model, outcome, ms / 1000), planned: (model, result, ms) => metrics.planned(model, result, ms / 1000) } });
  const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: ownScratchDir, cores: os.cpus().length, logger, maxVideoSeconds: config.limits.maxVideoSeconds, planner, ...speech });
  integrator.warmUp();
  // Render times from the handler to the instrumentation, per job, each taken once.
  const renderTimes = new Map<string, number>();
  const handler = createAttemptHandler({
    store,
    tracker,
    integrator,
    metadata: new VideoMetadataManager(redis, config.redis.prefix),
    delivery: createWorkerDelivery({
      ffmpegPath,
      ffprobePath,
      delivery: config.delivery,
      uploads: new S3UploadManager({
        client: s3,
        bucket: config.s3.bucket,
        partSizeBytes: config.s3.partSizeBytes,
        queueSize: config.s3.queueSize,
        retry: { maxAttempts: config.s3.retry.attempts, baseDelayMs: config.s3.retry.baseDelayMs, maxDelayMs: config.s3.retry.maxDelayMs },
        batchConcurrency: config.s3.batchConcurrency,
        verifyEtag: config.s3.verifyEtag,
        observer: createUploadObserver(metrics, logger),
        logger,
      }),
    }),
    renderOutputs: config.delivery,
    progressReporter: (jobId, runId) => createProgressCallback({ tracker, jobId, runId, logger, minIntervalMs: config.progress.minIntervalMs, onFailure: () => metrics.progressFailure() }),
    context: { run: runWithContext, set: setContext },
    logger,
    onRendered: (jobId, renderMs) => void renderTimes.set(jobId, renderMs),
    signals: control.signals,
    resetStaleProgress: createStaleProgressReset(redis, config.redis.prefix),
    artifacts,
    ...(config.limits.ownerDailyVideoSeconds > 0 ? { budget: new VideoBudget({ redis, prefix: config.redis.prefix, limitSeconds: config.limits.ownerDailyVideoSeconds }) } : {}),
  });
  // Timing lines and job metrics come from outside the handler: it stays about the pipeline only.
  const takeRenderMs = (jobId: string) => {
    const ms = renderTimes.get(jobId);
    renderTimes.delete(jobId);
    return ms;
  };
  const instrumented = instrumentJobHandler(handler, { tracker, store, metrics, logger, takeRenderMs });
  // A job runs only with a run slot of its owner; ended or deleted jobs go to the handler, which settles them.
  const ownerOf = async (job: ConsumedJob<{ job_id: string }>) => {
    const record = await store.get(job.data.job_id);
    return record && (record.status === 'queued' || record.status === 'processing') ? record.owner : null;
  };
  queue.consume(config.worker.concurrency, instrumented, { leases, ownerOf, onStart, logger });
  background.start();
  // Announced once the worker takes jobs; withdrawn first on shutdown.
  const voiceHeartbeat = narration ? await announceVoices({ redis, prefix: config.redis.prefix, workerId: voiceWorkerId(path.basename(ownScratchDir)), narration, logger }) : null;
  logger.info('worker started', { health_port: healthPort, concurrency: config.worker.concurrency, prefix: config.redis.prefix });

  let stopping: Promise<void> | null = null;
  return {
    queue: bullQueue,
    health,
    healthPort,
    stop() {
      stopping ??= (async () => {
        logger.info('worker stopping: no new jobs, waiting for the active one', { grace_ms: config.worker.shutdownGraceMs });
        await voiceHeartbeat?.stop().catch((err) => logger.warn('could not withdraw the voice announcement; it lapses by itself', { err }));
        await drainJobs({ queue, signals: control.signals, graceMs: config.worker.shutdownGraceMs, logger });
        await control.close();
        leases.stopHeartbeat();
        stopArtifactJanitor();
        stopScratchJanitor();
        // No job runs any more: this process's scratch dir goes with it.
        await rm(ownScratchDir, { recursive: true, force: true }).catch(() => undefined);
        await new Promise<void>((r) => health.close(() => r()));
        health.closeAllConnections?.();
        await background.close();
        await closeRedis(redis);
        s3.destroy();
      })();
      return stopping;
    },
  };
}
