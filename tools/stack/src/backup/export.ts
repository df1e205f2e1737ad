import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { scanKeys } from '@vidgen/queue';
import { EXPORT_VERSION, isBackedUp, type ExportHeader, type KeyRecord } from './format';
import { connect, parseArgs, runCli } from '../cli';

async function readKey(redis: Redis, key: string, type: string, ttl: number): Promise<KeyRecord | null> {
  switch (type) {
    case 'string': {
      const value = await redis.get(key);
      return value === null ? null : { key, type, ttl_ms: ttl, value };
    }
    case 'hash':
      return { key, type, ttl_ms: ttl, value: await redis.hgetall(key) };
    case 'list':
      return { key, type, ttl_ms: ttl, value: await redis.lrange(key, 0, -1) };
    case 'set':
      return { key, type, ttl_ms: ttl, value: await redis.smembers(key) };
    case 'zset': {
      const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
      return { key, type, ttl_ms: ttl, value: pairs };
    }
    case 'none':
      return null; // expired or deleted since SCAN saw it
    default:
      throw new Error(`${key}: type ${type} is not supported by the export`);
  }
}

async function writeLine(out: Writable, value: unknown): Promise<void> {
  if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
}

/**
 * Streams every key under `<prefix>:` except Bull's queue keys to `out`, one
 * JSON line per key with its remaining TTL (SCAN, never KEYS). Returns the count.
 */
export async function exportKeys(redis: Redis, prefix: string, out: Writable): Promise<number> {
  const header: ExportHeader = { vidgen_export: EXPORT_VERSION, prefix, exported_at: new Date().toISOString() };
  await writeLine(out, header);
  let count = 0;
  for await (const keys of scanKeys(redis, prefix, 500)) {
    for (const key of keys.filter((k) => isBackedUp(k, prefix))) {
      const [[, type], [, ttl]] = (await redis.multi().type(key).pttl(key).exec()) as [[null, string], [null, number]];
      const record = await readKey(redis, key, type, ttl);
      if (!record) continue;
      await writeLine(out, record);
      count += 1;
    }
  }
  return count;
}

/** `pnpm metadata:export --out <file> [--prefix <prefix>]` */
if (require.main === module) {
  runCli(async () => {
    const args = parseArgs(process.argv.slice(2), ['out', 'prefix']);
    if (!args.out) throw new Error('usage: pnpm metadata:export --out <file.jsonl> [--prefix <QUEUE_PREFIX>]');
    const { redis, prefix } = connect(args.prefix);
    const out = createWriteStream(args.out, { flags: 'wx' }); // never overwrite an earlier backup
    try {
      const count = await exportKeys(redis, prefix, out);
      out.end();
      await once(out, 'finish');
      process.stdout.write(`exported ${count} keys under ${prefix}: (Bull's queue keys excluded) to ${args.out}\n`);
    } finally {
      redis.disconnect();
    }
  });
}
