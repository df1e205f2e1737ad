import winston from 'winston';
import type { Logger } from '@vidgen/core';
import { getContext } from './context';
import { REDACTED, isSecretKey, redact } from './redact';

export interface LoggerOptions {
  service: 'api' | 'worker' | 'stack' | string;
  version?: string;
  level?: string;
  format?: 'auto' | 'json' | 'pretty';
  /** Where lines go; defaults to stdout. Tests pass a stream to capture them. */
  stream?: NodeJS.WritableStream;
}

const withContext = winston.format((info) => {
  const ctx = getContext();
  for (const [k, v] of Object.entries(ctx)) {
    if (info[k] === undefined && v !== undefined) info[k] = v;
  }
  return info;
});

// Runs last before printing, so the message, the metadata, the context and the error fields are all covered.
const redactFormat = winston.format((info) => {
  for (const k of Object.keys(info)) info[k] = isSecretKey(k) ? REDACTED : redact(info[k]);
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
  // winston runs the logger's format before its transports filter by level: a debug line at level info would be
  // timestamped, redacted and serialized only to be dropped (per request, in pnpm load --profile get). Drop it first.
  let logger: winston.Logger | undefined;
  const enabled = winston.format((info) => {
    const levels = logger?.levels ?? winston.config.npm.levels;
    return (levels[info.level] ?? 0) <= (levels[logger?.level ?? level] ?? 0) ? info : false;
  });
  const base = [enabled(), winston.format.timestamp(), withContext(), errorsToFields(), redactFormat()];
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
  logger = winston.createLogger({ level, defaultMeta: { service, version }, format: fmt, transports: [transport] });
  return logger as unknown as Logger;
}
