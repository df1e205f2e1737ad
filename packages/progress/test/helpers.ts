import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { Logger } from '@vidgen/core';

/** The shared test Redis. Tests only ever touch keys under their own random prefix. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function uniquePrefix(name: string): string {
  return `vidgen-test:progress-${name}-${randomBytes(6).toString('hex')}`;
}

export function connect(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
}

export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta: Record<string, unknown>;
}

/** A Logger that records every line (with inherited child meta) for assertions. */
export function recordingLogger(entries: LogEntry[] = [], base: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const log = (level: LogEntry['level']) => (message: string, meta: Record<string, unknown> = {}) => {
    entries.push({ level, message, meta: { ...base, ...meta } });
  };
  return {
    entries,
    error: log('error'),
    warn: log('warn'),
    info: log('info'),
    debug: log('debug'),
    child: (meta) => recordingLogger(entries, { ...base, ...meta }),
  };
}

export { seededRandom } from '@vidgen/testing';
