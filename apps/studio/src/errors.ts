import { VidgenApiError, type FieldProblem } from './api';

/** Field problems by field path, in dotted form (`configuration.scenes.0.text`; the API also writes `scenes[0]`). */
export type FieldErrors = Record<string, string>;

export const normaliseField = (field: string) => field.replace(/\[(\d+)\]/g, '.$1');

/**
 * Splits an API error into messages for the fields the form shows and the rest
 * (shown above the form). A problem on a field the form has no input for goes
 * to the nearest enclosing field that has one (a chart's values to its chart).
 */
export function fieldErrors(err: unknown, known: (field: string) => boolean): { fields: FieldErrors; general: string[] } {
  const fields: FieldErrors = {};
  const general: string[] = [];
  if (!(err instanceof VidgenApiError)) return { fields, general: [err instanceof Error ? err.message : String(err)] };
  const problems = Array.isArray(err.details) ? (err.details as FieldProblem[]) : [];
  for (const p of problems) {
    let path = normaliseField(p.field ?? '');
    while (path && !known(path)) path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '';
    // Next to its input the message needs no field name: "'configuration.scenes[1].duration_seconds' must be…" → "Must be…".
    const short = path ? p.message.replace(/^'[^']*'\s+/, '').replace(/^./, (c) => c.toUpperCase()) : p.message;
    if (path) fields[path] = fields[path] ? `${fields[path]}; ${short}` : short;
    else general.push(`${p.field}: ${p.message}`);
  }
  if (!problems.length || general.length) general.unshift(describe(err));
  return { fields, general };
}

/** One line for a failed call: its message, code and correlation id (what support asks for). */
export function describe(err: unknown): string {
  if (err instanceof VidgenApiError) return `${err.message} (${err.code}${err.correlationId ? `, correlation id ${err.correlationId}` : ''})`;
  return err instanceof Error ? err.message : String(err);
}
