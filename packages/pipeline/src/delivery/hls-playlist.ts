/** Pure HLS playlist work: reading media playlists, bandwidth, codecs, the I-frame and master playlists. */

/**
 * The one EXT-X-VERSION of every playlist we write (master, variants,
 * I-frame, subtitles): 4 is the lowest that allows EXT-X-BYTERANGE and
 * EXT-X-I-FRAMES-ONLY (RFC 8216 section 7).
 */
export const HLS_VERSION = 4;

/** A media playlist with its EXT-X-VERSION set to HLS_VERSION (ffmpeg writes 3). */
export function withHlsVersion(playlist: string): string {
  return /^#EXT-X-VERSION:\d+$/m.test(playlist) ? playlist.replace(/^#EXT-X-VERSION:\d+$/m, `#EXT-X-VERSION:${HLS_VERSION}`) : playlist.replace(/^#EXTM3U\r?\n/, `#EXTM3U\n#EXT-X-VERSION:${HLS_VERSION}\n`);
}

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

/** What ffprobe says of a stream's codec (codec_name, profile, level). */
export interface StreamCodec {
  codecName: string;
  profile?: string;
  /** H.264: level_idc (31 for 3.1). */
  level?: number;
}

/** H.264 profile names (ffprobe's) → profile_idc and the constraint flags byte x264 writes for them. */
const AVC_PROFILES: Record<string, [number, number]> = {
  'Constrained Baseline': [66, 0xe0],
  Baseline: [66, 0x00],
  Main: [77, 0x40],
  Extended: [88, 0x00],
  High: [100, 0x00],
  'High 10': [110, 0x00],
  'High 4:2:2': [122, 0x00],
  'High 4:4:4 Predictive': [244, 0x00],
};
/** AAC profile names (ffprobe's) → the MPEG-4 audio object type of mp4a.40.<n>. */
const AAC_OBJECT_TYPES: Record<string, number> = { LC: 2, 'HE-AAC': 5, 'HE-AACv2': 29, Main: 1, LTP: 4 };

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** An RFC 6381 codec string for the CODECS attribute (avc1.64001f, mp4a.40.2); throws for a codec we do not produce. Pure. */
export function codecString(c: StreamCodec): string {
  if (c.codecName === 'h264') {
    const p = c.profile ? AVC_PROFILES[c.profile] : undefined;
    if (!p || c.level === undefined || !(c.level > 0)) throw new Error(`No CODECS string for H.264 profile ${c.profile} level ${c.level}`);
    return `avc1.${hex2(p[0])}${hex2(p[1])}${hex2(c.level)}`;
  }
  if (c.codecName === 'aac') {
    const t = c.profile ? AAC_OBJECT_TYPES[c.profile] : undefined;
    if (!t) throw new Error(`No CODECS string for AAC profile ${c.profile}`);
    return `mp4a.40.${t}`;
  }
  throw new Error(`No CODECS string for codec ${c.codecName}`);
}

/** One I-frame of an I-frame playlist: a byte range of a segment file that holds exactly that keyframe. */
export interface IFrameEntry {
  uri: string;
  /** Until the next listed I-frame (EXTINF). */
  durationSeconds: number;
  offset: number;
  length: number;
}

/** An I-frame playlist (EXT-X-I-FRAMES-ONLY, one EXT-X-BYTERANGE per I-frame). Pure. */
export function buildIFramePlaylist(entries: readonly IFrameEntry[]): string {
  const target = Math.max(1, Math.ceil(Math.max(0, ...entries.map((e) => e.durationSeconds))));
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${HLS_VERSION}`, `#EXT-X-TARGETDURATION:${target}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-I-FRAMES-ONLY'];
  for (const e of entries) lines.push(`#EXTINF:${e.durationSeconds.toFixed(6)},`, `#EXT-X-BYTERANGE:${e.length}@${e.offset}`, e.uri);
  lines.push('#EXT-X-ENDLIST');
  return `${lines.join('\n')}\n`;
}

/** BANDWIDTH of an I-frame playlist: the peak of its I-frames' bits over their durations. Pure. */
export function iFrameBandwidth(entries: readonly IFrameEntry[]): number {
  return measureBandwidth(entries.map((e) => ({ durationSeconds: e.durationSeconds, bytes: e.length }))).peak;
}

export interface MasterVariant {
  uri: string;
  bandwidth: number;
  averageBandwidth: number;
  width: number;
  height: number;
  fps: number;
  /** The CODECS attribute: codecString of each of the variant's streams, video first. */
  codecs: readonly string[];
  /** The variant's I-frame playlist (EXT-X-I-FRAME-STREAM-INF), if it has one. */
  iFrames?: { uri: string; bandwidth: number };
}

/** The master playlist, one EXT-X-STREAM-INF per variant, lowest first, then their EXT-X-I-FRAME-STREAM-INF. */
export function buildMasterPlaylist(variants: readonly MasterVariant[]): string {
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${HLS_VERSION}`, '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const v of variants) {
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${v.bandwidth},AVERAGE-BANDWIDTH=${v.averageBandwidth},CODECS="${v.codecs.join(',')}",RESOLUTION=${v.width}x${v.height},FRAME-RATE=${v.fps.toFixed(3)}`, v.uri);
  }
  for (const v of variants) {
    // An I-frame playlist has video only: its CODECS is the video's.
    if (v.iFrames) lines.push(`#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=${v.iFrames.bandwidth},CODECS="${v.codecs[0]}",RESOLUTION=${v.width}x${v.height},URI="${v.iFrames.uri}"`);
  }
  return `${lines.join('\n')}\n`;
}
