import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Fields every log line inside a request or job carries. */
export interface LogContext {
  correlation_id?: string;
  job_id?: string;
  owner?: string;
  stage?: string;
  attempt?: number;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runWithContext<T>(context: LogContext, fn: () => T): T {
  const parent = storage.getStore();
  return storage.run({ ...parent, ...context }, fn);
}

/** Adds fields to the current context in place (e.g. the owner once auth has run). */
export function setContext(fields: LogContext): void {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
}

export function getContext(): LogContext {
  return storage.getStore() ?? {};
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A client-supplied correlation id is kept when it is safe to log and echo; otherwise a new one is made. */
export function acceptCorrelationId(value: unknown): string {
  return typeof value === 'string' && CORRELATION_ID.test(value) ? value : randomUUID();
}
