/**
 * The backup format: JSON lines. The first line is a header, then one line per
 * Redis key with its type, its remaining TTL and its value. Bull's keys
 * (`<prefix>:video-generation:*` and the other queues) are left out.
 *
 *   {"vidgen_export":1,"prefix":"vidgen","exported_at":"…"}
 *   {"key":"vidgen:job:{…}","type":"hash","ttl_ms":-1,"value":{"status":"completed",…}}
 */
import { QUEUE_NAME } from '@vidgen/core';
import { MAINTENANCE_QUEUE, WEBHOOK_QUEUE } from '@vidgen/queue';

export const EXPORT_VERSION = 1;

export interface ExportHeader {
  vidgen_export: number;
  prefix: string;
  exported_at: string;
}

export type KeyRecord =
  | { key: string; type: 'string'; ttl_ms: number; value: string }
  | { key: string; type: 'hash'; ttl_ms: number; value: Record<string, string> }
  | { key: string; type: 'list' | 'set'; ttl_ms: number; value: string[] }
  /** [member, score] pairs; scores stay strings so "inf" and full precision survive. */
  | { key: string; type: 'zset'; ttl_ms: number; value: Array<[string, string]> };

export type KeyType = KeyRecord['type'];
export const KEY_TYPES: readonly KeyType[] = ['string', 'hash', 'list', 'set', 'zset'];

/** Every Bull queue of the deployment. Their keys are never exported: queue state is not restorable data. */
export const BULL_QUEUES: readonly string[] = [QUEUE_NAME, MAINTENANCE_QUEUE, WEBHOOK_QUEUE];

export function isBackedUp(key: string, prefix: string): boolean {
  return key.startsWith(`${prefix}:`) && !BULL_QUEUES.some((queue) => key.startsWith(`${prefix}:${queue}:`));
}

export function parseHeader(line: string): ExportHeader {
  const header = JSON.parse(line) as Partial<ExportHeader>;
  if (header.vidgen_export !== EXPORT_VERSION || typeof header.prefix !== 'string') {
    throw new Error(`not a vidgen export (version ${EXPORT_VERSION}): the first line must be its header`);
  }
  return header as ExportHeader;
}

export function parseRecord(line: string, lineNumber: number): KeyRecord {
  const record = JSON.parse(line) as KeyRecord;
  if (typeof record.key !== 'string' || !KEY_TYPES.includes(record.type) || typeof record.ttl_ms !== 'number') {
    throw new Error(`line ${lineNumber}: not a key record`);
  }
  return record;
}
