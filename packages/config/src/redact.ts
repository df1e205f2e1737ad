import { envSchema } from './schema';
import { describeSettings } from './settings';

export const REDACTED = '<redacted>';

/** A secret URL keeps its host (useful to check) and loses its credentials; other secrets are hidden whole. */
function redactValue(value: unknown): string {
  if (typeof value === 'string' && value === '') return '';
  if (typeof value === 'string' && /^[a-z]+:\/\//.test(value)) {
    try {
      const url = new URL(value);
      if (!url.username && !url.password) return value;
      if (url.username) url.username = '***';
      if (url.password) url.password = '***';
      return url.toString();
    } catch {
      return REDACTED;
    }
  }
  return REDACTED;
}

/**
 * The effective value of every setting (defaults applied), with secrets
 * redacted; unset optional settings are reported as undefined.
 */
export function effectiveSettings(source: NodeJS.ProcessEnv): Array<{ name: string; value: unknown; source: 'env' | 'default' | 'unset' }> {
  const { value } = envSchema.validate(source, { abortEarly: false, convert: true });
  const v = (value ?? {}) as Record<string, unknown>;
  return describeSettings().map((s) => {
    const raw = v[s.name];
    const origin = source[s.name] !== undefined ? 'env' : raw !== undefined ? 'default' : 'unset';
    return { name: s.name, value: s.secret && raw !== undefined ? redactValue(raw) : raw, source: origin };
  });
}
