/** Pure HLS playlist work: reading media playlists, bandwidth, and the master playlist. */

export interface MediaSegment {
  uri: string;
  durationSeconds: number;
}

/** The segments of a media playlist (EXTINF duration + URI line). */
export function parseMediaPlaylist(text: string): MediaSegment[] {
  const segments: MediaSegment[] = [];
  let pending: number | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) pending = Number.parseFloat(line.slice(8));
    else if (line && !line.startsWith('#') && pending !== null) {
      segments.push({ uri: line, durationSeconds: pending });
      pending = null;
    }
  }
  return segments;
}

/** Peak and average bits per second over segments of known size (BANDWIDTH / AVERAGE-BANDWIDTH). */
export function measureBandwidth(segments: ReadonlyArray<{ durationSeconds: number; bytes: number }>): { peak: number; average: number } {
  const timed = segments.filter((s) => s.durationSeconds > 0);
  if (!timed.length) return { peak: 1, average: 1 };
  const peak = Math.max(...timed.map((s) => (s.bytes * 8) / s.durationSeconds));
  const total = timed.reduce((a, s) => a + s.bytes, 0);
  const seconds = timed.reduce((a, s) => a + s.durationSeconds, 0);
  return { peak: Math.ceil(peak), average: Math.ceil((total * 8) / seconds) };
}

export interface MasterVariant {
  uri: string;
  bandwidth: number;
  averageBandwidth: number;
  width: number;
  height: number;
  fps: number;
}

/** The master playlist, one EXT-X-STREAM-INF per variant, lowest first. */
export function buildMasterPlaylist(variants: readonly MasterVariant[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${v.bandwidth},AVERAGE-BANDWIDTH=${v.averageBandwidth},RESOLUTION=${v.width}x${v.height},FRAME-RATE=${v.fps.toFixed(3)}`, v.uri);
  }
  return `${lines.join('\n')}\n`;
}
