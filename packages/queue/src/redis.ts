import Redis, { type RedisOptions } from 'ioredis';

export type { Redis };

export interface RedisClientOptions {
  url: string;
  /** For request paths (API reads/writes): fail fast while Redis is down instead of queueing commands. */
  failFast?: boolean;
  connectionName?: string;
}

/** Reconnect forever with a capped delay: the process recovers by itself when Redis comes back. */
const retryStrategy = (times: number): number => Math.min(100 * times, 2000);

/** Our own Redis client (job records, indexes). Bull gets its clients from createBullClient. */
export function createRedis(options: RedisClientOptions): Redis {
  const { url, failFast = false, connectionName } = options;
  const opts: RedisOptions = {
    connectionName,
    retryStrategy,
    connectTimeout: 5000,
    lazyConnect: false,
    ...(failFast ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: 2 }),
  };
  return new Redis(url, opts);
}

/**
 * Clients for Bull. Its blocking (bclient) and subscriber connections must not
 * use a ready check or a per-request retry limit (Bull's PATTERNS.md, "Reusing
 * Redis connections"; issue OptimalBits/bull#1873), so every Bull client gets
 * `maxRetriesPerRequest: null` and `enableReadyCheck: false`.
 */
export function createBullClient(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: false, retryStrategy });
}

/** Resolves once the client is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(client: Redis, timeoutMs = 5000): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis did not become ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

/** Closes a client whether or not it is connected, never throwing. */
export async function closeRedis(client: Redis): Promise<void> {
  try {
    if (client.status === 'end') return;
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}
