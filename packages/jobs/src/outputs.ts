import path from 'node:path';
import type { OutputFormat, OutputKind } from '@vidgen/core';
import type { HlsPackage, ThumbnailSet } from '@vidgen/pipeline';
import { OUTPUT_NAMES } from '@vidgen/storage';

/** One local file to upload, with where it goes (relative to the job's prefix) and what it is. */
export interface LocalOutput {
  kind: OutputKind;
  output: string;
  filePath: string;
  contentType: string;
  width?: number;
  height?: number;
  rendition?: string;
}

export interface OutputSources {
  formats: readonly OutputFormat[];
  videoPath: string;
  width: number;
  height: number;
  subtitlesPath: string | null;
  thumbnails: ThumbnailSet | null;
  hls: HlsPackage | null;
}

/** Pure: the job's files → the object layout of keys.ts, the video first. */
export function planOutputs(s: OutputSources): LocalOutput[] {
  const out: LocalOutput[] = [];
  if (s.formats.includes('mp4')) out.push({ kind: 'video', output: OUTPUT_NAMES.video, filePath: s.videoPath, contentType: 'video/mp4', width: s.width, height: s.height });
  if (s.subtitlesPath) out.push({ kind: 'subtitles', output: OUTPUT_NAMES.subtitles, filePath: s.subtitlesPath, contentType: 'text/vtt' });
  if (s.thumbnails) {
    const t = s.thumbnails;
    out.push({ kind: 'poster', output: OUTPUT_NAMES.poster, filePath: t.poster.path, contentType: 'image/jpeg', width: t.poster.width, height: t.poster.height });
    t.thumbnails.forEach((img, i) => out.push({ kind: 'thumbnail', output: OUTPUT_NAMES.thumbnail(i + 1), filePath: img.path, contentType: 'image/jpeg', width: img.width, height: img.height }));
    out.push({ kind: 'sprite', output: OUTPUT_NAMES.sprite, filePath: t.sprite.path, contentType: 'image/jpeg', width: t.sprite.width, height: t.sprite.height });
    out.push({ kind: 'storyboard', output: OUTPUT_NAMES.storyboard, filePath: t.storyboardPath, contentType: 'text/vtt' });
  }
  if (s.hls) {
    for (const v of s.hls.variants) {
      const dims = { width: v.width, height: v.height, rendition: v.label };
      for (const seg of v.segmentPaths) out.push({ kind: 'hls_segment', output: OUTPUT_NAMES.hlsFile(v.label, path.basename(seg)), filePath: seg, contentType: 'video/mp2t', ...dims });
      out.push({ kind: 'hls_playlist', output: OUTPUT_NAMES.hlsPlaylist(v.label), filePath: v.playlistPath, contentType: 'application/vnd.apple.mpegurl', ...dims });
      // Also an hls_playlist of the rendition: the API serves (and signs) any playlist the master names by its key.
      out.push({ kind: 'hls_playlist', output: OUTPUT_NAMES.hlsIFrames(v.label), filePath: v.iFramesPath, contentType: 'application/vnd.apple.mpegurl', ...dims });
    }
    const subs = s.hls.subtitles;
    if (subs) {
      for (const seg of subs.segmentPaths) out.push({ kind: 'hls_segment', output: OUTPUT_NAMES.hlsFile(subs.label, path.basename(seg)), filePath: seg, contentType: 'text/vtt', rendition: subs.label });
      out.push({ kind: 'hls_playlist', output: OUTPUT_NAMES.hlsPlaylist(subs.label), filePath: subs.playlistPath, contentType: 'application/vnd.apple.mpegurl', rendition: subs.label });
    }
    // Last: a master in the store means every variant it names is there.
    out.push({ kind: 'hls_master', output: OUTPUT_NAMES.hlsMaster, filePath: s.hls.masterPath, contentType: 'application/vnd.apple.mpegurl' });
  }
  return out;
}
