import type { Server } from 'node:http';
import type { Config } from '@vidgen/config';
import type { Logger } from '@vidgen/core';
import { createReadiness } from '@vidgen/observability';
import { JobStore, closeRedis, createRedis, createVideoQueue } from '@vidgen/queue';
import { checkBucket, createS3Client } from '@vidgen/storage';
import { createServer } from './server';

export interface RunningApi {
  server: Server;
  port: number;
  stop(): Promise<void>;
}

/** Wires the API from a validated config and starts listening. */
export async function startApi(config: Config, logger: Logger): Promise<RunningApi> {
  if (config.api.keys.length === 0) {
    logger.warn('API_KEYS is not set: running in open development mode; every request acts as owner "anonymous"');
  }
  const redis = createRedis({ url: config.redis.url, failFast: true, connectionName: 'vidgen-api' });
  redis.on('error', (err) => logger.warn('redis error', { err: err.message }));
  const store = new JobStore(redis, config.redis.prefix);
  const queue = createVideoQueue({ redisUrl: config.redis.url, prefix: config.redis.prefix });
  queue.on('error', (err) => logger.warn('queue error', { err: err.message }));
  const s3 = createS3Client(config.s3);
  const presigner = config.s3.publicEndpoint ? createS3Client({ ...config.s3, endpoint: config.s3.publicEndpoint }) : s3;

  const readiness = createReadiness({
    redis: { required: true, run: () => redis.ping() },
    // Reads keep working while S3 is down, so storage only degrades the API.
    storage: { required: false, run: () => checkBucket(s3, config.s3.bucket) },
  });

  const app = createServer({
    store,
    queue,
    presigner,
    bucket: config.s3.bucket,
    signedUrlTtlSeconds: config.s3.signedUrlTtlSeconds,
    allowUltra: config.api.allowUltra,
    narrationEnabled: config.narrationEnabled,
    attempts: config.queue.attempts,
    backoffMs: config.queue.backoffMs,
    enqueueTimeoutMs: 5000,
    apiKeys: config.api.keys,
    bodyLimitBytes: config.api.bodyLimitBytes,
    readiness,
    logger,
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.api.port, config.api.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.api.port;
  logger.info('api listening', { host: config.api.host, port, prefix: config.redis.prefix });

  let stopping: Promise<void> | null = null;
  return {
    server,
    port,
    stop() {
      stopping ??= (async () => {
        // Stop accepting connections, let in-flight requests drain, then close idle keep-alive sockets.
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections?.();
        const grace = new Promise<void>((r) => setTimeout(r, config.api.shutdownGraceMs).unref());
        await Promise.race([closed, grace]);
        server.closeAllConnections?.();
        await queue.close().catch(() => undefined);
        await closeRedis(redis);
        s3.destroy();
        if (presigner !== s3) presigner.destroy();
      })();
      return stopping;
    },
  };
}
