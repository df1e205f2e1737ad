/** One cue of a storyboard track: a time range and the sprite region that shows it. */
export interface StoryboardTile {
  start: number;
  end: number;
  url: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

const time = (s: string) => s.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);

/**
 * The cues of a storyboard WebVTT (`00:00:02.000 --> 00:00:04.000` then
 * `sprite.jpg#xywh=x,y,w,h`), image URLs resolved against the track's URL.
 * Cues that do not parse are skipped.
 */
export function parseStoryboard(text: string, base: string): StoryboardTile[] {
  const tiles: StoryboardTile[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length - 1; i++) {
    const m = /^([\d:.]+)\s+-->\s+([\d:.]+)/.exec(lines[i]!.trim());
    const ref = /^(.+)#xywh=(\d+),(\d+),(\d+),(\d+)$/.exec(lines[i + 1]?.trim() ?? '');
    if (!m || !ref) continue;
    let url: string;
    try {
      url = new URL(ref[1]!, base).href;
    } catch {
      continue;
    }
    tiles.push({ start: time(m[1]!), end: time(m[2]!), url, x: Number(ref[2]), y: Number(ref[3]), w: Number(ref[4]), h: Number(ref[5]) });
  }
  return tiles;
}

/** The tile shown at `t` seconds (the last one past the end). */
export function tileAt(tiles: readonly StoryboardTile[], t: number): StoryboardTile | null {
  return tiles.find((c) => t >= c.start && t < c.end) ?? tiles.at(-1) ?? null;
}
