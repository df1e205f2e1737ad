import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import { parseHeader, parseRecord, type ExportHeader, type KeyRecord } from './format';
import { connect, parseArgs, runCli } from '../cli';

export interface ImportOptions {
  /** Replace keys that exist already; without it, any existing key refuses the whole import. */
  force?: boolean;
}

export interface ImportResult {
  header: ExportHeader;
  restored: number;
  /** Records whose TTL had run out at export time: skipped. */
  expired: number;
}

/** Reads a backup line by line, calling `onRecord` for each key record after the header. */
async function eachRecord(file: string, onRecord: (record: KeyRecord) => Promise<void>): Promise<ExportHeader> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let header: ExportHeader | null = null;
  let n = 0;
  for await (const line of lines) {
    n += 1;
    if (!line.trim()) continue;
    if (!header) header = parseHeader(line);
    else await onRecord(parseRecord(line, n));
  }
  if (!header) throw new Error(`${file} is empty`);
  return header;
}

function write(redis: Redis, record: KeyRecord, force: boolean) {
  const tx = redis.multi();
  if (force) tx.del(record.key);
  switch (record.type) {
    case 'string':
      tx.set(record.key, record.value);
      break;
    case 'hash':
      tx.hset(record.key, record.value);
      break;
    case 'list':
      tx.rpush(record.key, ...record.value);
      break;
    case 'set':
      tx.sadd(record.key, ...record.value);
      break;
    case 'zset':
      tx.zadd(record.key, ...record.value.flatMap(([member, score]) => [score, member]));
      break;
  }
  if (record.ttl_ms > 0) tx.pexpire(record.key, record.ttl_ms);
  return tx.exec();
}

/**
 * Restores a backup made by exportKeys. A first pass refuses when any key
 * exists already (unless `force`), so a refused import writes nothing.
 */
export async function importKeys(redis: Redis, file: string, options: ImportOptions = {}): Promise<ImportResult> {
  const { force = false } = options;
  if (!force) {
    const existing: string[] = [];
    await eachRecord(file, async (record) => {
      if (existing.length < 10 && (await redis.exists(record.key))) existing.push(record.key);
    });
    if (existing.length) throw new Error(`refusing to overwrite existing keys (use --force to replace them): ${existing.join(', ')}${existing.length === 10 ? ', …' : ''}`);
  }
  let restored = 0;
  let expired = 0;
  const header = await eachRecord(file, async (record) => {
    if (record.ttl_ms === 0 || record.ttl_ms < -1 || (Array.isArray(record.value) && record.value.length === 0)) {
      expired += 1;
      return;
    }
    await write(redis, record, force);
    restored += 1;
  });
  return { header, restored, expired };
}

/** `pnpm metadata:import --in <file> [--force]` */
if (require.main === module) {
  runCli(async () => {
    const args = parseArgs(process.argv.slice(2), ['in', 'force']);
    if (!args.in) throw new Error('usage: pnpm metadata:import --in <file.jsonl> [--force]');
    const { redis, prefix } = connect();
    try {
      const { header, restored, expired } = await importKeys(redis, args.in, { force: args.force === 'true' });
      if (header.prefix !== prefix) process.stdout.write(`note: the backup was made under prefix ${header.prefix}, this deployment uses ${prefix}\n`);
      process.stdout.write(`restored ${restored} keys under ${header.prefix}: from ${args.in}${expired ? ` (${expired} expired, skipped)` : ''}\n`);
    } finally {
      redis.disconnect();
    }
  });
}
