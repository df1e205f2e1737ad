/**
 * The position in an owner's job index (newest first): the creation time and
 * job id of the last job a page covered. Opaque to clients (base64url JSON).
 * Ties on the same millisecond are ordered by job id, descending, as Redis's
 * reverse sorted-set order does.
 */
export interface ListCursor {
  score: number;
  jobId: string;
}

export function encodeCursor(cursor: ListCursor): string {
  return Buffer.from(JSON.stringify([cursor.score, cursor.jobId]), 'utf8').toString('base64url');
}

/** Null for anything that is not a cursor we made. */
export function decodeCursor(raw: string): ListCursor | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(raw)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [score, jobId] = value as unknown[];
    if (typeof score !== 'number' || !Number.isFinite(score) || typeof jobId !== 'string' || jobId.length === 0 || jobId.length > 100) return null;
    return { score, jobId };
  } catch {
    return null;
  }
}

/** Whether an index entry comes after the cursor in newest-first order (so it belongs on the next page). */
export function isAfterCursor(entry: ListCursor, cursor: ListCursor | null): boolean {
  if (!cursor) return true;
  if (entry.score !== cursor.score) return entry.score < cursor.score;
  return entry.jobId < cursor.jobId;
}
