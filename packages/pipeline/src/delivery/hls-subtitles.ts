import { buildWebVtt, formatVttTimestamp, type SubtitleCue } from '../webvtt';
import { HLS_TS_OFFSET_SECONDS } from './hls-args';
import { HLS_VERSION } from './hls-playlist';

/**
 * Where the TS timestamps of media time 0 land in our HLS segments: ffmpeg's
 * mpegts muxer shifts everything by its default mux delay, 1.4 s, and every
 * rung is offset by HLS_TS_OFFSET_SECONDS on top (so no rung is shifted by
 * its encoder's reorder delay): the first video frame's PTS in every rung,
 * 2.0 s = 180000 ticks of 90 kHz. Checked on real segments by the tests.
 */
export const MPEGTS_START_TICKS = Math.round((1.4 + HLS_TS_OFFSET_SECONDS) * 90000);

export interface SubtitleSegmentsOptions {
  cues: readonly SubtitleCue[];
  /** The video variant's segments, in order (parseMediaPlaylist): subtitle segments cover the same spans. */
  segments: ReadonlyArray<{ durationSeconds: number }>;
  /** The TS timestamp (90 kHz) of media time 0 in the video segments. */
  mpegtsStartTicks?: number;
  /** The name of subtitle segment i (beside the subtitle playlist). */
  segmentName?: (index: number) => string;
}

export interface SubtitleSegments {
  /** The subtitle media playlist. */
  playlist: string;
  files: Array<{ name: string; content: string }>;
}

/**
 * Segmented WebVTT for HLS: one .vtt per video segment with the cues that
 * overlap it (a cue spanning a boundary appears in both segments, with the
 * same times, as RFC 8216 allows), each with the X-TIMESTAMP-MAP that ties
 * its cue times (media time) to the TS timestamps. Pure.
 */
export function buildSubtitleSegments(options: SubtitleSegmentsOptions): SubtitleSegments {
  const { cues, segments, mpegtsStartTicks = MPEGTS_START_TICKS, segmentName = (i) => `sub-${String(i).padStart(5, '0')}.vtt` } = options;
  const map = `X-TIMESTAMP-MAP=MPEGTS:${mpegtsStartTicks},LOCAL:${formatVttTimestamp(0)}`;
  const files: SubtitleSegments['files'] = [];
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${HLS_VERSION}`, `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(Math.max(0, ...segments.map((s) => s.durationSeconds))))}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD'];
  let from = 0;
  segments.forEach((segment, i) => {
    const to = from + segment.durationSeconds;
    const last = i === segments.length - 1;
    const inside = cues.filter((c) => c.endSeconds > from && (c.startSeconds < to || (last && c.startSeconds >= to)));
    // buildWebVtt's header line is WEBVTT; the map goes right under it.
    const body = buildWebVtt(inside).replace(/^WEBVTT\n/, `WEBVTT\n${map}\n`);
    const name = segmentName(i);
    files.push({ name, content: body });
    lines.push(`#EXTINF:${segment.durationSeconds.toFixed(6)},`, name);
    from = to;
  });
  lines.push('#EXT-X-ENDLIST');
  return { playlist: `${lines.join('\n')}\n`, files };
}

export interface SubtitleRendition {
  /** The subtitle media playlist, relative to the master. */
  uri: string;
  groupId?: string;
  name?: string;
  /** BCP 47 language tag. */
  language?: string;
}

const QUOTED_SAFE = /^[^"\r\n,]*$/;
const ATTR_SAFE = /^[^"\r\n]+$/;

/** The master's EXT-X-MEDIA line of a subtitles rendition. Pure. */
export function subtitleMediaTag(rendition: SubtitleRendition): string {
  const { uri, groupId = 'subs', name = 'English', language = 'en' } = rendition;
  for (const [field, value] of Object.entries({ uri, groupId, name, language })) {
    if (!ATTR_SAFE.test(value) || (field !== 'uri' && !QUOTED_SAFE.test(value))) throw new Error(`subtitle rendition ${field} cannot go in a quoted attribute: ${JSON.stringify(value)}`);
  }
  return `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${groupId}",NAME="${name}",LANGUAGE="${language}",DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="${uri}"`;
}

/**
 * A master playlist (buildMasterPlaylist's) with the subtitles rendition:
 * the EXT-X-MEDIA line before the first variant, and SUBTITLES="<group>" on
 * every EXT-X-STREAM-INF so players offer it with each variant. Pure.
 */
export function addSubtitlesToMaster(master: string, rendition: SubtitleRendition): string {
  const groupId = rendition.groupId ?? 'subs';
  const tag = subtitleMediaTag(rendition);
  const out: string[] = [];
  let placed = false;
  for (const line of master.replace(/\n$/, '').split('\n')) {
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      if (!placed) {
        out.push(tag);
        placed = true;
      }
      out.push(`${line},SUBTITLES="${groupId}"`);
    } else out.push(line);
  }
  if (!placed) out.push(tag);
  return `${out.join('\n')}\n`;
}
