import IORedis, { type Redis } from 'ioredis';

/**
 * Every key under `<prefix>:`, a SCAN batch at a time (never KEYS: it blocks the server,
 * and other deployments may share it). As with any SCAN, a key may come twice while the
 * keyspace changes underneath.
 */
export async function* scanKeys(redis: Redis, prefix: string, count = 1000): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', count);
    cursor = next;
    if (keys.length) yield keys;
  } while (cursor !== '0');
}

/** Deletes every key under `<prefix>:` (scanKeys; never FLUSHDB: other deployments may share the server). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  for await (const keys of scanKeys(redis, prefix)) deleted += await redis.del(...keys);
  return deleted;
}

/** deleteKeysWithPrefix over a short-lived connection of its own: cleanup after the app's connections have closed. */
export async function deleteKeysAt(redisUrl: string, prefix: string): Promise<number> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    return await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
