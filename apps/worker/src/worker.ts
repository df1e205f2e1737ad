import os from 'node:os';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { Config } from '@vidgen/config';
import type { Logger } from '@vidgen/core';
import { binaryVersion, resolveFfmpegPath, resolveFfprobePath } from '@vidgen/ffmpeg';
import { PipelineIntegrator, ttsAvailable } from '@vidgen/pipeline';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore, closeRedis, createRedis, createVideoQueue, type VideoQueue } from '@vidgen/queue';
import { checkBucket, createS3Client } from '@vidgen/storage';
import { createGenerateVideoHandler } from './handlers/generate-video';
import { createHealthServer } from './health';
import { createReadiness } from '@vidgen/observability';

export interface RunningWorker {
  queue: VideoQueue;
  health: Server;
  healthPort: number;
  stop(): Promise<void>;
}

/** Wires the worker from a validated config: queue consumer, health server, dependencies. */
export async function startWorker(config: Config, logger: Logger): Promise<RunningWorker> {
  const ffmpegPath = resolveFfmpegPath(config.worker.ffmpegPath);
  const ffprobePath = resolveFfprobePath(config.worker.ffprobePath);
  const redis = createRedis({ url: config.redis.url, connectionName: 'vidgen-worker' });
  redis.on('error', (err) => logger.warn('redis error', { err: err.message }));
  const store = new JobStore(redis, config.redis.prefix);
  const s3 = createS3Client(config.s3);
  const queue = createVideoQueue({
    redisUrl: config.redis.url,
    prefix: config.redis.prefix,
    lockDurationMs: config.queue.lockDurationMs,
    stalledIntervalMs: config.queue.stalledIntervalMs,
    maxStalledCount: config.queue.maxStalledCount,
  });
  queue.on('error', (err) => logger.warn('queue error', { err: err.message }));

  const ready = createReadiness({
    redis: { required: true, run: () => redis.ping() },
    storage: { required: true, run: () => checkBucket(s3, config.s3.bucket) },
    ffmpeg: { required: true, run: () => binaryVersion(ffmpegPath) },
    ffprobe: { required: true, run: () => binaryVersion(ffprobePath) },
    // TTS is a capability; it makes the worker unready only where narration is enabled.
    tts: {
      required: config.narrationEnabled,
      run: async () => {
        if (!(await ttsAvailable())) throw new Error('espeak-ng is not installed');
      },
    },
  });
  const health = createHealthServer(ready);
  await new Promise<void>((resolve, reject) => {
    health.once('error', reject);
    health.listen(config.worker.port, config.worker.host, () => resolve());
  });
  const address = health.address();
  const healthPort = typeof address === 'object' && address ? address.port : config.worker.port;

  const tracker = new JobProgressTracker({ redis, prefix: config.redis.prefix, logger, terminalTtlSeconds: config.redis.recordTtlSeconds });
  const scratchBaseDir = config.worker.scratchDir ?? path.join(os.tmpdir(), 'vidgen');
  await mkdir(scratchBaseDir, { recursive: true });
  const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir, cores: os.cpus().length, logger });
  integrator.warmUp();
  const handler = createGenerateVideoHandler({
    store,
    tracker,
    integrator,
    s3,
    bucket: config.s3.bucket,
    partSizeBytes: config.s3.partSizeBytes,
    queueSize: config.s3.queueSize,
    ffprobePath,
    progressMinIntervalMs: config.progress.minIntervalMs,
    logger,
  });
  void queue.process(config.worker.concurrency, handler);
  logger.info('worker started', { health_port: healthPort, concurrency: config.worker.concurrency, prefix: config.redis.prefix });

  let stopping: Promise<void> | null = null;
  return {
    queue,
    health,
    healthPort,
    stop() {
      stopping ??= (async () => {
        logger.info('worker stopping: no new jobs, waiting for the active one', { grace_ms: config.worker.shutdownGraceMs });
        const grace = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), config.worker.shutdownGraceMs).unref());
        const closed = queue.close().then(() => 'closed' as const);
        if ((await Promise.race([closed, grace])) === 'timeout') {
          logger.warn('grace period over; the active job returns to the queue when its lock expires');
          await queue.close(true).catch(() => undefined);
        }
        await new Promise<void>((r) => health.close(() => r()));
        health.closeAllConnections?.();
        await closeRedis(redis);
        s3.destroy();
      })();
      return stopping;
    },
  };
}
