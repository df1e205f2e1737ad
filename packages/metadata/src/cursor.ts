/**
 * The position in a video's version list (newest first): the lowest version
 * a page covered; the next page starts just below it. Opaque to clients
 * (base64url JSON, as the job list's cursor in @vidgen/queue), and bound to
 * its video, so a cursor of another video is refused instead of paging it.
 * Versions are never deleted and only grow, so a walk started at one head
 * returns every version up to it exactly once, whatever edits happen meanwhile.
 */
export interface VersionCursor {
  videoId: string;
  /** The lowest version the previous page returned. */
  version: number;
}

export function encodeVersionCursor(cursor: VersionCursor): string {
  return Buffer.from(JSON.stringify([cursor.videoId, cursor.version]), 'utf8').toString('base64url');
}

/** Null for anything that is not a cursor we made for this video. */
export function decodeVersionCursor(raw: string, videoId: string): VersionCursor | null {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(raw)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [id, version] = value as unknown[];
    if (id !== videoId || typeof version !== 'number' || !Number.isSafeInteger(version) || version < 2) return null;
    return { videoId, version };
  } catch {
    return null;
  }
}
