import { VidgenError } from '@vidgen/core';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header, if any; printable ASCII without spaces, 1–255 characters. */
export function idempotencyKeyOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  if (!KEY_FORMAT.test(header)) {
    throw new VidgenError('VALIDATION_FAILED', { details: [{ field: 'Idempotency-Key', message: 'must be 1–255 printable ASCII characters without spaces', type: 'string.pattern' }] });
  }
  return header;
}
