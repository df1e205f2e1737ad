import path from 'node:path';
import { OUTPUT_NAMES, type MediaFacts, type OutputFormat, type OutputRecord } from '@vidgen/core';

/**
 * One local file to upload: its output record but for what only the store knows (the key is
 * the job's prefix + `output`, the size what was stored), and the file it is read from.
 * Uploading adds those two and keeps every other fact as planned (OutputUploads.finish).
 */
export interface LocalOutput extends Omit<OutputRecord, 'key' | 'size_bytes' | 'content_type'> {
  /** Where it goes, relative to the job's prefix (OUTPUT_NAMES). */
  output: string;
  filePath: string;
  /** The record's content_type, named as the upload request names it. */
  contentType: string;
}

interface ImageFile {
  path: string;
  width: number;
  height: number;
}

/** The stills of a job (the pipeline's ThumbnailSet): each thumbnail with the instant its frame was taken at. */
export interface StillFiles {
  poster: ImageFile;
  thumbnails: ReadonlyArray<ImageFile & { atSeconds: number }>;
  sprite: ImageFile;
  storyboardPath: string;
}

/** A job's HLS package (the pipeline's HlsPackage), as far as the plan reads it. */
export interface HlsFiles {
  masterPath: string;
  variants: ReadonlyArray<{ label: string; width: number; height: number; playlistPath: string; iFramesPath: string; segmentPaths: readonly string[] }>;
  subtitles: { label: string; playlistPath: string; segmentPaths: readonly string[] } | null;
}

/** The files a delivery has made (the pipeline's DeliveryFiles): all of them, or those final at one step. */
export interface OutputSources {
  formats: readonly OutputFormat[];
  videoPath: string;
  width: number;
  height: number;
  subtitlesPath: string | null;
  thumbnails: StillFiles | null;
  hls: HlsFiles | null;
}

const PLAYLIST = 'application/vnd.apple.mpegurl';

/** Pure: the job's files → the object layout of OUTPUT_NAMES, the video first and the master last. */
export function planOutputs(s: OutputSources): LocalOutput[] {
  const out: LocalOutput[] = [];
  if (s.formats.includes('mp4')) out.push({ kind: 'video', output: OUTPUT_NAMES.video, filePath: s.videoPath, contentType: 'video/mp4', width: s.width, height: s.height });
  if (s.subtitlesPath) out.push({ kind: 'subtitles', output: OUTPUT_NAMES.subtitles, filePath: s.subtitlesPath, contentType: 'text/vtt' });
  if (s.thumbnails) {
    const t = s.thumbnails;
    out.push({ kind: 'poster', output: OUTPUT_NAMES.poster, filePath: t.poster.path, contentType: 'image/jpeg', width: t.poster.width, height: t.poster.height });
    t.thumbnails.forEach((img, i) =>
      out.push({ kind: 'thumbnail', output: OUTPUT_NAMES.thumbnail(i + 1), filePath: img.path, contentType: 'image/jpeg', width: img.width, height: img.height, time_seconds: img.atSeconds }),
    );
    out.push({ kind: 'sprite', output: OUTPUT_NAMES.sprite, filePath: t.sprite.path, contentType: 'image/jpeg', width: t.sprite.width, height: t.sprite.height });
    out.push({ kind: 'storyboard', output: OUTPUT_NAMES.storyboard, filePath: t.storyboardPath, contentType: 'text/vtt' });
  }
  if (s.hls) {
    for (const v of s.hls.variants) {
      const dims = { width: v.width, height: v.height, rendition: v.label };
      for (const seg of v.segmentPaths) out.push({ kind: 'hls_segment', output: OUTPUT_NAMES.hlsFile(v.label, path.basename(seg)), filePath: seg, contentType: 'video/mp2t', ...dims });
      out.push({ kind: 'hls_playlist', output: OUTPUT_NAMES.hlsPlaylist(v.label), filePath: v.playlistPath, contentType: PLAYLIST, ...dims });
      // Also an hls_playlist of the rendition: the API serves (and signs) any playlist the master names by its key.
      out.push({ kind: 'hls_playlist', output: OUTPUT_NAMES.hlsIFrames(v.label), filePath: v.iFramesPath, contentType: PLAYLIST, ...dims, i_frames: true });
    }
    const subs = s.hls.subtitles;
    if (subs) {
      for (const seg of subs.segmentPaths) out.push({ kind: 'hls_segment', output: OUTPUT_NAMES.hlsFile(subs.label, path.basename(seg)), filePath: seg, contentType: 'text/vtt', rendition: subs.label });
      out.push({ kind: 'hls_playlist', output: OUTPUT_NAMES.hlsPlaylist(subs.label), filePath: subs.playlistPath, contentType: PLAYLIST, rendition: subs.label });
    }
    // Last: a master in the store means every variant it names is there.
    out.push({ kind: 'hls_master', output: OUTPUT_NAMES.hlsMaster, filePath: s.hls.masterPath, contentType: PLAYLIST });
  }
  return out;
}

/** What the pipeline's prepareDelivery measured and made (its PreparedMedia). */
export interface MediaSources {
  files: OutputSources;
  video: MediaFacts;
  durationSeconds: number;
  variants: Array<{ label: string; facts: MediaFacts }>;
}

/** Everything the upload and finalization need: the planned outputs and measured facts. Plain data, so it can be cached. */
export interface PreparedDelivery {
  outputs: LocalOutput[];
  video: MediaFacts;
  durationSeconds: number;
  variants: Array<{ label: string; facts: MediaFacts }>;
}

/** Pure: the delivery's files and facts → its plan. */
export function prepareOutputs(media: MediaSources): PreparedDelivery {
  const { files, video, durationSeconds, variants } = media;
  return { outputs: planOutputs(files), video, durationSeconds, variants };
}
