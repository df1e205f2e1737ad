/**
 * Rewrites every URI of an HLS playlist: the URI lines (variants, segments)
 * and URI="…" attributes (EXT-X-MAP, EXT-X-MEDIA, EXT-X-KEY). Pure; the
 * mapper may be async (signing).
 */
export async function rewritePlaylist(text: string, map: (uri: string) => Promise<string> | string): Promise<string> {
  const lines = text.split(/\r?\n/);
  const out: string[] = [];
  for (const line of lines) {
    const trimmed = line.trim();
    if (!trimmed) out.push(line);
    else if (!trimmed.startsWith('#')) out.push(await map(trimmed));
    else if (/URI="[^"]*"/.test(trimmed)) {
      const uri = /URI="([^"]*)"/.exec(trimmed)![1]!;
      const mapped = await map(uri);
      out.push(trimmed.replace(/URI="[^"]*"/, `URI="${mapped}"`));
    } else out.push(line);
  }
  return out.join('\n');
}

/** A playlist URI we produced: a plain relative file name (or label/index.m3u8; WebVTT segments of the subtitles rendition), never absolute or "..". */
export function isPlainRelativeUri(uri: string): boolean {
  return /^([A-Za-z0-9_-]+\/)?[A-Za-z0-9_-]+\.(m3u8|ts|m4s|mp4|vtt)$/.test(uri);
}

/**
 * Rewrites the image references of a WebVTT storyboard (`sprite.jpg#xywh=…`
 * cue payloads) with `map`, keeping the media fragment. Pure; only plain
 * relative names are accepted (the mapper decides which), cue timings and
 * the header pass through.
 */
export async function rewriteStoryboard(text: string, map: (uri: string) => Promise<string> | string): Promise<string> {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9_-]+\.(?:jpg|jpeg|png|webp))(#xywh=\d+,\d+,\d+,\d+)?$/.exec(line.trim());
    out.push(m ? `${await map(m[1]!)}${m[2] ?? ''}` : line);
  }
  return out.join('\n');
}
