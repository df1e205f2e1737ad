import { VidgenError } from './errors';
import type { JobConfiguration } from './job';

/**
 * Bounds on what one job may cost, checked at submit by validateGenerateRequest (pure: the
 * API calls it, tests call it, no I/O). Each limit is a number a client can read in the error.
 */

/**
 * Most characters (UTF-16 code units, as the schema's max counts) of text in one configuration:
 * topic, context and every string of every scene together. With lone surrogates refused, a
 * character takes at most 3 bytes in the stored JSON, so the configuration field stays under
 * 60 KB and the whole job record under 100 KB in Redis (apps/api/test/limits.test.ts measures it).
 */
export const MAX_CONFIGURATION_TEXT_CHARS = 20_000;

/** A UTF-16 surrogate not part of a pair: not text, and JSON.stringify writes it as 6 bytes (\udxxx). */
const LONE_SURROGATE = /\p{Cs}/u;

/** Every string value under `value`, depth first (scenes nest items, chart labels, comparison sides). */
function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) yield* strings(v);
}

/** Characters of text in a configuration's topic, context and scenes. */
export function configurationTextChars(configuration: Pick<JobConfiguration, 'topic' | 'context' | 'scenes'>): number {
  let total = 0;
  for (const s of strings([configuration.topic, configuration.context, configuration.scenes])) total += s.length;
  return total;
}

/** Throws VALIDATION_FAILED when the configuration's text is over MAX_CONFIGURATION_TEXT_CHARS or is not well-formed Unicode. */
export function assertTextBound(configuration: Pick<JobConfiguration, 'topic' | 'context' | 'scenes'>): void {
  for (const field of ['topic', 'context', 'scenes'] as const) {
    for (const s of strings(configuration[field])) {
      if (LONE_SURROGATE.test(s)) {
        throw new VidgenError('VALIDATION_FAILED', { details: [{ field: `configuration.${field}`, message: 'contains a lone UTF-16 surrogate (\\ud800-\\udfff not part of a pair): not well-formed text', type: 'string.unicode' }] });
      }
    }
  }
  const chars = configurationTextChars(configuration);
  if (chars > MAX_CONFIGURATION_TEXT_CHARS) {
    throw new VidgenError('VALIDATION_FAILED', {
      details: [
        {
          field: 'configuration',
          message: `the configuration has ${chars} characters of text across topic, context and scenes; the limit is ${MAX_CONFIGURATION_TEXT_CHARS}`,
          type: 'text.max',
          limit: MAX_CONFIGURATION_TEXT_CHARS,
        },
      ],
    });
  }
}

/** What the deployment allows, for the bounds above (SubmitPolicy extends it). */
export interface LengthPolicy {
  /** Reserved for the rendered-length bound. */
  maxVideoSeconds?: number;
}

/** Every bound of this module, in the order a client would fix them; validateGenerateRequest calls it. */
export function assertWithinBounds(configuration: JobConfiguration, _policy: LengthPolicy = {}): void {
  assertTextBound(configuration);
}
