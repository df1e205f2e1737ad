import type { Server } from 'node:http';
import { defaultPublicBaseUrl, type Config } from '@vidgen/config';
import type { Logger } from '@vidgen/core';
import { createApiMetrics, createMetricsRegistry, createReadiness, registerQueueMetrics, renderMetrics } from '@vidgen/observability';
import { VideoMetadataManager } from '@vidgen/metadata';
import { JobProgressTracker } from '@vidgen/progress';
import { BullJobQueue, JobStore, recordSigningFingerprint, VideoBudget, asRedisError, publishCancel, purgeQueue, closeRedis, createRedis, createVideoQueue, listLiveVoices, readQueueStats, waitForRedis } from '@vidgen/queue';
import { plannerFromSettings } from '@vidgen/planner';
import { checkBucket, createS3Client, createUrlSigner } from '@vidgen/storage';
import { EventStreamSlots, ProgressFeed, createFeedRedis } from './progress-feed';
import { createServer } from './server';
import { createHttpServer } from './http-server';
import { createJobControlWiring } from './job-control-wiring';
import { createEventTokens, signingSecretFingerprint } from '@vidgen/jobs';
import { findStudioDir, mediaOrigin } from './studio';
import type { BoardQueue } from './routes/queue-board';

export interface RunningApi {
  server: Server;
  port: number;
  /** Event streams open right now (leak checks, metrics). */
  openStreams(): number;
  /** Event stream slots held right now, in all or by one owner (SSE_MAX_STREAMS, SSE_MAX_STREAMS_PER_OWNER). */
  streamSlots(owner?: string): number;
  stop(): Promise<void>;
}

/** Options of startApi beside the config. */
export interface StartApiOptions {
  /** The clock of caching windows (tests move it). */
  now?: () => number;
  /** The app's version, for vidgen_build_info. */
  version?: string;
}

/** Wires the API from a validated config and starts listening. */
export async function startApi(config: Config, logger: Logger, options: StartApiOptions = {}): Promise<RunningApi> {
  if (config.api.keys.length === 0) {
    logger.warn('API_KEYS is not set: running in open development mode; every request acts as owner "anonymous"');
  }
  const redis = createRedis({ url: config.redis.url, failFast: true, connectionName: 'vidgen-api' });
  redis.on('error', (err) => logger.warn('redis error', { err: err.message }));
  const control = createJobControlWiring(config, redis, logger);
  const store = new JobStore(redis, config.redis.prefix, { ...control.storeOptions, terminalTtlSeconds: config.redis.recordTtlSeconds, failedTtlSeconds: config.redis.failedRecordTtlSeconds });
  const metadata = new VideoMetadataManager(redis, config.redis.prefix, { maxVersions: config.metadata.maxVersions });
  const tracker = new JobProgressTracker({ redis, prefix: config.redis.prefix, terminalTtlSeconds: config.redis.recordTtlSeconds, failedTtlSeconds: config.redis.failedRecordTtlSeconds, logger });
  // A subscribed connection can run nothing else, so the feed gets its own.
  const subscriberRedis = createFeedRedis(config.redis.url);
  subscriberRedis.on('error', (err) => logger.warn('redis subscriber error', { err: err.message }));
  const feed = new ProgressFeed(subscriberRedis, config.redis.prefix, logger);
  feed.start();
  const streamSlots = new EventStreamSlots({ maxStreams: config.api.sseMaxStreams, maxStreamsPerOwner: config.api.sseMaxStreamsPerOwner });
  if (config.api.signingSecretGenerated) {
    logger.warn('SIGNING_SECRET is not set: event stream tokens are signed with a random per-process secret and only this process accepts them');
  }
  const tokens = createEventTokens({ secret: config.api.signingSecret, ttlSeconds: config.api.eventsTokenTtlSeconds });
  const queue = createVideoQueue({ redisUrl: config.redis.url, prefix: config.redis.prefix });
  queue.on('error', (err) => logger.warn('queue error', { err: err.message }));
  const s3 = createS3Client(config.s3);
  const presigner = config.s3.publicEndpoint ? createS3Client({ ...config.s3, endpoint: config.s3.publicEndpoint }) : s3;
  // Output URLs: signed for the endpoint clients reach, or plain CDN URLs.
  const urls = createUrlSigner({ client: presigner, bucket: config.s3.bucket, ttlSeconds: config.s3.signedUrlTtlSeconds, cdnBaseUrl: config.s3.cdnBaseUrl });
  const hlsTokens = createEventTokens({ secret: config.api.signingSecret, ttlSeconds: config.s3.signedUrlTtlSeconds, scope: 'hls' });

  // Every link a job shows is absolute. Without PUBLIC_BASE_URL (development) it is this API's
  // own address, known once it listens; no request is served before that.
  let publicBase = config.api.publicBaseUrl;
  const publicUrl = (path: string) => `${publicBase}${path}`;

  const registry = createMetricsRegistry({ service: 'api', version: options.version });
  const metrics = createApiMetrics(registry);
  // The API serves the queue gauges too: they must exist when no worker runs (the "no active workers" alert).
  registerQueueMetrics(registry, {
    read: () => readQueueStats(queue),
    cacheMs: config.metrics.queueCacheMs,
    onError: (err) => logger.warn('queue stats failed', { err }),
  });

  const readiness = createReadiness({
    redis: { required: true, run: () => redis.ping() },
    // Reads keep working while S3 is down, so storage only degrades the API.
    storage: { required: false, run: () => checkBucket(s3, config.s3.bucket) },
  });

  // The lifecycle's rules (@vidgen/jobs) over this API's stores and queues: what submit, cancel, retry and delete run on.
  const jobQueue = new BullJobQueue(queue, { redis, prefix: config.redis.prefix });
  const { backlog, ownerMaxQueuedJobs, rateLimiter, videoBudget, fairShare } = control.routeDeps;
  const admission = { backlog, ownerMaxQueuedJobs, rateLimiter, videoBudget, fairShare };
  const lifecycle = { store, attempts: config.queue.attempts, backoffMs: config.queue.backoffMs, logger };

  const studioDir = findStudioDir();
  if (!studioDir) logger.warn('the studio is not built (pnpm build): no web page at /');

  const app = createServer({
    ...control.routeDeps,
    store,
    tracker,
    metadata,
    now: options.now,
    feed,
    tokens,
    sseHeartbeatMs: config.api.sseHeartbeatMs,
    queuePositionIntervalMs: config.api.sseQueuePositionIntervalMs,
    streamSlots,
    sseMaxLifetimeMs: config.api.sseMaxLifetimeSeconds * 1000,
    queue: jobQueue,
    signedUrlTtlSeconds: config.s3.signedUrlTtlSeconds,
    allowUltra: config.api.allowUltra,
    narrationEnabled: config.narrationEnabled,
    narrationDefault: config.narrationDefault,
    liveVoices: () => listLiveVoices(redis, config.redis.prefix).catch((err) => Promise.reject(asRedisError(err))),
    maxVideoSeconds: config.limits.maxVideoSeconds,
    planner: plannerFromSettings(config.planner, {
      redis,
      prefix: config.redis.prefix,
      maxVideoSeconds: config.limits.maxVideoSeconds,
      logger,
      // A preview is held to what the owner could still submit. (The worker plans a submitted job within
      // MAX_VIDEO_SECONDS: its own reservation is already taken out of the remaining budget.)
      ...(config.limits.ownerDailyVideoSeconds > 0
        ? ((budget: VideoBudget) => ({ remainingSeconds: async (owner: string) => (await budget.usage(owner)).remainingSeconds }))(
            new VideoBudget({ redis, prefix: config.redis.prefix, limitSeconds: config.limits.ownerDailyVideoSeconds }),
          )
        : {}),
    }),
    control: { ...admission, ...lifecycle, queue: jobQueue, purges: purgeQueue(control.routeDeps.maintenance), publishCancel: (jobId) => publishCancel(redis, config.redis.prefix, jobId), jobData: [tracker, metadata, control.routeDeps.webhookDeliveries] },
    submit: { ...admission, ...lifecycle, queue: jobQueue, idempotency: control.routeDeps.idempotency, enqueueTimeoutMs: 5000 },
    apiKeys: config.api.keys,
    bodyLimitBytes: config.api.bodyLimitBytes,
    readiness,
    logger,
    urls,
    hlsTokens,
    hls: { store, tracker, s3, bucket: config.s3.bucket, urls, hlsTokens, apiKeys: config.api.keys },
    publicUrl,
    corsOrigins: config.api.corsOrigins,
    boardQueues: [queue, control.queues.webhooks, control.queues.maintenance] as BoardQueue[],
    metrics,
    renderMetrics: () => renderMetrics(registry),
    adminApiKey: config.admin.apiKey,
    // The page fetches media from the bucket (or CDN), and playlists and storyboards from the links jobs show (PUBLIC_BASE_URL).
    ...(studioDir ? { studio: { dir: studioDir, mediaOrigins: [...new Set([mediaOrigin(config.s3), ...(config.api.publicBaseUrl ? [new URL(config.api.publicBaseUrl).origin] : [])])] } } : {}),
  });
  if (config.admin.apiKey) logger.info('queue board mounted', { path: '/admin/queues' });

  // The request client fails fast instead of queueing, so give it a moment to connect before
  // taking traffic; a Redis that is down at boot only means 503s until it is back.
  await waitForRedis(redis, 3000).catch(() => logger.warn('redis is not reachable yet; answering 503 until it is'));
  // Workers sign webhook links with SIGNING_SECRET too; they compare against this to catch a mismatch at start.
  if (!config.api.signingSecretGenerated) {
    await recordSigningFingerprint(redis, config.redis.prefix, signingSecretFingerprint(config.api.signingSecret)).catch((err) => logger.warn('recording the signing secret fingerprint failed', { err }));
  }

  const server = await new Promise<Server>((resolve, reject) => {
    const s = createHttpServer(app, config.api.http);
    s.once('error', reject);
    s.listen(config.api.port, config.api.host, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  publicBase ??= defaultPublicBaseUrl(config.api.host, port);
  logger.info('api listening', { host: config.api.host, port, prefix: config.redis.prefix });

  let stopping: Promise<void> | null = null;
  return {
    server,
    port,
    openStreams: () => feed.size,
    streamSlots: (owner?: string) => (owner === undefined ? streamSlots.size : streamSlots.heldBy(owner)),
    stop() {
      stopping ??= (async () => {
        // Stop accepting connections, let in-flight requests drain, then close idle keep-alive sockets.
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections?.();
        // Event streams never drain by themselves: end them so clients reconnect elsewhere with Last-Event-ID.
        const feedClosed = feed.close();
        const grace = new Promise<void>((r) => setTimeout(r, config.api.shutdownGraceMs).unref());
        await Promise.race([closed, grace]);
        server.closeAllConnections?.();
        await queue.close().catch(() => undefined);
        await control.close();
        // Disconnecting also settles an UNSUBSCRIBE still queued while Redis is down.
        await closeRedis(subscriberRedis);
        await feedClosed;
        await closeRedis(redis);
        s3.destroy();
        if (presigner !== s3) presigner.destroy();
      })();
      return stopping;
    },
  };
}
