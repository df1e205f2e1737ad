import winston from 'winston';
import type { Logger } from '@vidgen/core';
import { getContext } from './context';

export interface LoggerOptions {
  service: 'api' | 'worker' | 'stack' | string;
  version?: string;
  level?: string;
  format?: 'auto' | 'json' | 'pretty';
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  stream?: NodeJS.WritableStream;
}

const SECRET_KEYS = /^(authorization|api_?key|api_keys|password|secret|secret_access_key|token|x-amz-signature|signature|credentials)$/i;

/** Replaces values of secret-looking keys, at any depth, with "[redacted]". */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

const withContext = winston.format((info) => {
  const ctx = getContext();
  for (const [k, v] of Object.entries(ctx)) {
    if (info[k] === undefined && v !== undefined) info[k] = v;
  }
  return info;
});

const redactFormat = winston.format((info) => {
  for (const k of Object.keys(info)) {
    if (SECRET_KEYS.test(k)) info[k] = '[redacted]';
    else if (info[k] && typeof info[k] === 'object') info[k] = redact(info[k]);
  }
  return info;
});

const errorsToFields = winston.format((info) => {
  const err = info.err ?? info.error;
  if (err instanceof Error) {
    const e = err as Error & { code?: string; category?: string };
    info.err = { name: e.name, message: e.message, code: e.code, category: e.category, stack: e.stack };
    if (info.error === err) delete info.error;
  }
  return info;
});

/** One JSON line per event (or a readable line on a terminal), with the async context's ids on every line. */
export function createLogger(options: LoggerOptions): Logger {
  const { service, version = '0.1.0', level = 'info', format = 'auto', stream } = options;
  const pretty = format === 'pretty' || (format === 'auto' && !stream && process.stdout.isTTY === true);
  const base = [winston.format.timestamp(), withContext(), errorsToFields(), redactFormat()];
  const fmt = pretty
    ? winston.format.combine(
        ...base,
        winston.format.colorize(),
        winston.format.printf((info) => {
          const { timestamp, level: lvl, message, service: svc, version: _v, correlation_id, job_id, ...rest } = info;
          const ids = [correlation_id && `cid=${String(correlation_id)}`, job_id && `job=${String(job_id)}`].filter(Boolean).join(' ');
          const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
          return `${String(timestamp)} ${lvl} [${String(svc)}] ${ids ? ids + ' ' : ''}${String(message)}${extra}`;
        }),
      )
    : winston.format.combine(...base, winston.format.json());
  const transport = stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console();
  return winston.createLogger({ level, defaultMeta: { service, version }, format: fmt, transports: [transport] }) as unknown as Logger;
}
