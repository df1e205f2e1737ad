import { VidgenError } from './errors';

/**
 * The object key layout: every output of a job lives under
 *   videos/<owner>/<job_id>/<output>
 * Owners and job ids are validated identifiers (letters, digits, _ . -, never
 * only dots), so keys need no escaping; the builders throw on anything else. The outputs:
 *   video.mp4                     progressive MP4
 *   subtitles.vtt                 WebVTT subtitles
 *   poster.jpg                    poster image
 *   thumbnails/thumb-001.jpg …    N evenly spaced thumbnails
 *   sprite.jpg, storyboard.vtt    sprite sheet and its WebVTT storyboard (#xywh=)
 *   hls/master.m3u8               HLS master playlist
 *   hls/<label>/index.m3u8        one variant playlist per rendition (480p, 720p, 1080p, 2160p)
 *   hls/<label>/iframes.m3u8      its I-frame playlist (byte ranges of its segments)
 *   hls/<label>/seg-00001.ts …    its segments
 * A job writes each key once per successful attempt, with the same content
 * for the same job; nothing else (metadata versions included) overwrites them.
 */
export function jobObjectPrefix(owner: string, jobId: string): string {
  assertKeySegment('owner', owner);
  assertKeySegment('job id', jobId);
  return `videos/${owner}/${jobId}/`;
}

/**
 * Defence in depth behind the config's validation: a segment that is empty,
 * only dots ("." or ".."), or holds a slash or backslash would land a job's
 * objects outside videos/<owner>/<job_id>/ (or in another owner's prefix,
 * for the purge of a deleted job), so it is refused here too (INTERNAL_ERROR).
 */
function assertKeySegment(what: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || /^\.+$/.test(value) || /[/\\]/.test(value)) {
    // Not retryable: another attempt would build the same key.
    throw new VidgenError('INTERNAL_ERROR', {
      message: `Invalid ${what} for an object key: ${JSON.stringify(String(value).slice(0, 64))} (empty, only dots, or a path separator).`,
      details: { [what.replace(' ', '_')]: String(value).slice(0, 64) },
    });
  }
}

export function jobObjectKey(owner: string, jobId: string, output: string): string {
  return `${jobObjectPrefix(owner, jobId)}${output}`;
}

export const OUTPUT_NAMES = {
  video: 'video.mp4',
  subtitles: 'subtitles.vtt',
  poster: 'poster.jpg',
  sprite: 'sprite.jpg',
  storyboard: 'storyboard.vtt',
  hlsMaster: 'hls/master.m3u8',
  thumbnail: (i: number) => `thumbnails/thumb-${String(i).padStart(3, '0')}.jpg`,
  hlsPlaylist: (label: string) => `hls/${label}/index.m3u8`,
  hlsIFrames: (label: string) => `hls/${label}/iframes.m3u8`,
  hlsFile: (label: string, file: string) => `hls/${label}/${file}`,
} as const;
