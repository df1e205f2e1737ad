import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Quality } from '@vidgen/core';
import { runFfmpeg } from '@vidgen/ffmpeg';
import { hlsCopyArgs, hlsEncodeArgs } from './hls-args';
import { renditionLadder } from './hls-ladder';
import type { SubtitleCue } from '../webvtt';
import { buildMasterPlaylist, measureBandwidth, parseMediaPlaylist } from './hls-playlist';
import { addSubtitlesToMaster, buildSubtitleSegments } from './hls-subtitles';
import { keyframeTimes } from './keyframes';

export interface HlsVariant {
  label: string;
  width: number;
  height: number;
  playlistPath: string;
  segmentPaths: string[];
}

/** The subtitles rendition: segmented WebVTT along the video segments (hls/<label>/index.m3u8 + sub-NNNNN.vtt). */
export interface HlsSubtitles {
  label: string;
  playlistPath: string;
  segmentPaths: string[];
}

export interface HlsPackage {
  masterPath: string;
  variants: HlsVariant[];
  subtitles: HlsSubtitles | null;
}

/** The subtitles rendition's directory name beside the variants' (no variant label looks like it). */
export const HLS_SUBTITLES_LABEL = 'subs';

export interface PackageHlsOptions {
  ffmpegPath: string;
  ffprobePath: string;
  /** The progressive MP4 (the top rendition's encode). */
  input: string;
  quality: Quality;
  durationSeconds: number;
  sourceFps: number;
  /** hls/ is created here: master.m3u8 and <label>/index.m3u8 + segments. */
  outDir: string;
  segmentSeconds: number;
  signal?: AbortSignal;
  /** Time limit of the keyframe scan (ffprobe) before the lower renditions; default KEYFRAME_SCAN_TIMEOUT_MS. */
  keyframeScanTimeoutMs?: number;
  onProgress?: (percentage: number) => void;
  /** The captions (VideoGenerationOutput.captions): with cues, the master carries them as an EXT-X-MEDIA TYPE=SUBTITLES rendition. */
  subtitles?: readonly SubtitleCue[] | null;
}

/**
 * The HLS package: one variant per rendition up to the job's quality (the top
 * one remuxed from the MP4, the others encoded with the MP4's keyframe times),
 * then a master playlist with measured bandwidths.
 */
export async function packageHls(options: PackageHlsOptions): Promise<HlsPackage> {
  const { ffmpegPath, ffprobePath, input, quality, durationSeconds, sourceFps, outDir, segmentSeconds, signal, keyframeScanTimeoutMs, onProgress, subtitles: cues } = options;
  const ladder = renditionLadder(quality);
  const keyframes = ladder.some((r) => !r.reuseSource) ? await keyframeTimes(ffprobePath, input, { signal, timeoutMs: keyframeScanTimeoutMs }) : [];
  const hlsDir = path.join(outDir, 'hls');
  const variants: HlsVariant[] = [];
  const masterEntries = [];
  let firstSegments: Array<{ durationSeconds: number }> = [];
  for (const [i, r] of ladder.entries()) {
    const dir = path.join(hlsDir, r.label);
    await mkdir(dir, { recursive: true });
    const out = { playlistPath: path.join(dir, 'index.m3u8'), segmentPattern: path.join(dir, 'seg-%05d.ts'), segmentSeconds };
    const args = r.reuseSource ? hlsCopyArgs(input, out) : hlsEncodeArgs(input, r, keyframes, sourceFps, out);
    const share = 100 / ladder.length;
    await runFfmpeg({ ffmpegPath, args, signal, expectedDurationSeconds: durationSeconds, onProgress: (p) => onProgress?.(i * share + ((p.percentage ?? 0) * share) / 100) });
    const segments = parseMediaPlaylist(await readFile(out.playlistPath, 'utf8'));
    if (i === 0) firstSegments = segments;
    const sized = await Promise.all(segments.map(async (s) => ({ ...s, path: path.join(dir, s.uri), bytes: (await stat(path.join(dir, s.uri))).size })));
    const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
    if (files.length !== sized.length) throw new Error(`HLS ${r.label}: ${files.length} segment files but ${sized.length} in the playlist`);
    const bw = measureBandwidth(sized);
    variants.push({ label: r.label, width: r.preset.width, height: r.preset.height, playlistPath: out.playlistPath, segmentPaths: sized.map((s) => s.path) });
    masterEntries.push({ uri: `${r.label}/index.m3u8`, bandwidth: bw.peak, averageBandwidth: bw.average, width: r.preset.width, height: r.preset.height, fps: Math.min(r.preset.fps, sourceFps || r.preset.fps) });
  }
  let master = buildMasterPlaylist(masterEntries);
  let subtitles: HlsSubtitles | null = null;
  if (cues && cues.length > 0) {
    // Every variant is cut at the MP4's keyframes, so the subtitle segments follow any one of them.
    const dir = path.join(hlsDir, HLS_SUBTITLES_LABEL);
    await mkdir(dir, { recursive: true });
    const built = buildSubtitleSegments({ cues, segments: firstSegments });
    const playlistPath = path.join(dir, 'index.m3u8');
    await writeFile(playlistPath, built.playlist);
    const segmentPaths: string[] = [];
    for (const f of built.files) {
      segmentPaths.push(path.join(dir, f.name));
      await writeFile(path.join(dir, f.name), f.content);
    }
    subtitles = { label: HLS_SUBTITLES_LABEL, playlistPath, segmentPaths };
    master = addSubtitlesToMaster(master, { uri: `${HLS_SUBTITLES_LABEL}/index.m3u8` });
  }
  const masterPath = path.join(hlsDir, 'master.m3u8');
  await writeFile(masterPath, master);
  onProgress?.(100);
  return { masterPath, variants, subtitles };
}
