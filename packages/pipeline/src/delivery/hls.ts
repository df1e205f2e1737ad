import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VidgenError, runPool, type Quality } from '@vidgen/core';
import { runFfmpeg } from '@vidgen/ffmpeg';
import { hlsCopyArgs, hlsEncodeArgs } from './hls-args';
import { renditionLadder, rungFps, segmentStarts } from './hls-ladder';
import type { SubtitleCue } from '../webvtt';
import { buildIFramePlaylist, buildMasterPlaylist, codecString, iFrameBandwidth, measureBandwidth, parseMediaPlaylist, withHlsVersion, type IFrameEntry, type MasterVariant } from './hls-playlist';
import { addSubtitlesToMaster, buildSubtitleSegments } from './hls-subtitles';
import { keyframeTimes, scanSegments, type KeyframeScanOptions } from './keyframes';

export interface HlsVariant {
  label: string;
  width: number;
  height: number;
  fps: number;
  playlistPath: string;
  segmentPaths: string[];
  /** The I-frame playlist (<label>/iframes.m3u8): one byte range per segment, its starting keyframe. */
  iFramesPath: string;
  /** RFC 6381 codec strings of the variant's streams (video first), from ffprobe. */
  codecs: string[];
}

/** The I-frame playlist's name beside a variant's index.m3u8. */
export const HLS_IFRAMES_NAME = 'iframes.m3u8';

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
  /** The MP4's frame size: the lower rungs keep its aspect (16:9, 9:16, 1:1) with square pixels. */
  width: number;
  height: number;
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
  /**
   * Lower rungs already encoded (the render pass's, VideoGenerationOutput.renditions):
   * remuxed like the top one instead of encoded from the MP4. Their keyframes
   * must sit at the top's segment starts; the self-check below holds them to it.
   */
  prebuilt?: ReadonlyArray<{ label: string; path: string; fps: number }>;
  /** The captions (VideoGenerationOutput.captions): with cues, the master carries them as an EXT-X-MEDIA TYPE=SUBTITLES rendition. */
  subtitles?: readonly SubtitleCue[] | null;
}

/** What packageHls learns of a finished rung from its segments. */
interface RungScan {
  /** The first video PTS of each segment. */
  starts: number[];
  iFrames: IFrameEntry[];
  codecs: string[];
}

/**
 * Reads a rung's segments back (scanSegments: one ffprobe, not one per
 * segment): each must start with a keyframe (the I-frame playlist's range for
 * it runs from the segment's first byte, PAT and PMT included, to where its
 * next video frame starts), and the first segment's streams give the CODECS
 * attribute.
 */
async function scanRung(ffprobePath: string, label: string, segments: ReadonlyArray<{ uri: string; path: string; bytes: number; durationSeconds: number }>, probe: KeyframeScanOptions): Promise<RungScan> {
  const scan = await scanSegments(ffprobePath, segments, probe);
  const starts: number[] = [];
  const iFrames: IFrameEntry[] = [];
  for (const [i, s] of segments.entries()) {
    const packets = scan.packets[i]!;
    const first = packets[0];
    if (!first?.key) throw new VidgenError('RENDER_FAILED', { message: `HLS ${label}: segment ${i} does not start with a keyframe.`, details: { rendition: label, segment: s.uri } });
    starts.push(first.ptsSeconds);
    iFrames.push({ uri: s.uri, durationSeconds: s.durationSeconds, offset: 0, length: packets[1]?.pos ?? s.bytes });
  }
  const { video, audio } = scan.streams;
  const streams = [...(video ? [{ codecName: video.codec, profile: video.profile, level: video.level }] : []), ...(audio ? [{ codecName: audio.codec, profile: audio.profile }] : [])];
  return { starts, iFrames, codecs: streams.map(codecString) };
}

/**
 * The HLS package: one variant per rendition up to the job's quality (the top
 * one remuxed from the MP4, the others encoded with keyframes at its segment
 * starts), each with an I-frame playlist, then a master playlist with
 * measured bandwidths and ffprobe's codecs. Every rung is checked against
 * the top: the same segments, starting at the same instants.
 */
export async function packageHls(options: PackageHlsOptions): Promise<HlsPackage> {
  const { ffmpegPath, ffprobePath, input, width, height, quality, durationSeconds, sourceFps, outDir, segmentSeconds, signal, keyframeScanTimeoutMs, onProgress, subtitles: cues, prebuilt = [] } = options;
  const probe = { signal, timeoutMs: keyframeScanTimeoutMs };
  // The top rung first: the lower ones are held to its segments.
  const ladder = renditionLadder(quality, { width, height }).reverse();
  const built = new Map(prebuilt.map((p) => [p.label, p]));
  const encodesHere = ladder.some((r) => !r.reuseSource && !built.has(r.label));
  // The keyframe scan only places the keyframes of rungs encoded here.
  const keyframes = encodesHere ? await keyframeTimes(ffprobePath, input, probe) : [];
  const starts = segmentStarts(keyframes, segmentSeconds);
  const hlsDir = path.join(outDir, 'hls');
  const share = 100 / ladder.length;
  const done = ladder.map(() => 0);
  // Remuxes and scans decode nothing (tens of ms each, mostly process starts): every rung at once.
  // A rung encoded here (no render pass rungs) keeps the cores to itself: one rung at a time.
  const rungs = await runPool(
    ladder,
    encodesHere ? 1 : ladder.length,
    async (r, i) => {
      const dir = path.join(hlsDir, r.label);
      await mkdir(dir, { recursive: true });
      const out = { playlistPath: path.join(dir, 'index.m3u8'), segmentPattern: path.join(dir, 'seg-%05d.ts'), segmentSeconds };
      const pre = built.get(r.label);
      const fps = r.reuseSource ? sourceFps || r.preset.fps : (pre?.fps ?? rungFps(r.preset.fps, sourceFps, starts));
      const args = r.reuseSource ? hlsCopyArgs(input, out) : pre ? hlsCopyArgs(pre.path, out) : hlsEncodeArgs(input, r, { segmentStarts: starts, fps, durationSeconds }, out);
      await runFfmpeg({
        ffmpegPath, args, signal, expectedDurationSeconds: durationSeconds,
        onProgress: (p) => {
          done[i] = Math.max(done[i]!, p.percentage ?? 0);
          onProgress?.((done.reduce((a, b) => a + b, 0) * share) / 100);
        },
      });
      const playlist = withHlsVersion(await readFile(out.playlistPath, 'utf8'));
      await writeFile(out.playlistPath, playlist);
      const segments = parseMediaPlaylist(playlist);
      const sized = await Promise.all(segments.map(async (s) => ({ ...s, path: path.join(dir, s.uri), bytes: (await stat(path.join(dir, s.uri))).size })));
      const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
      if (files.length !== sized.length) throw new Error(`HLS ${r.label}: ${files.length} segment files but ${sized.length} in the playlist`);
      const scan = await scanRung(ffprobePath, r.label, sized, probe);
      const iFramesPath = path.join(dir, HLS_IFRAMES_NAME);
      await writeFile(iFramesPath, buildIFramePlaylist(scan.iFrames));
      const bw = measureBandwidth(sized);
      const variant: HlsVariant = { label: r.label, width: r.width, height: r.height, fps, playlistPath: out.playlistPath, segmentPaths: sized.map((s) => s.path), iFramesPath, codecs: scan.codecs };
      const entry: MasterVariant = {
        uri: `${r.label}/index.m3u8`, bandwidth: bw.peak, averageBandwidth: bw.average, width: r.width, height: r.height, fps, codecs: scan.codecs,
        iFrames: { uri: `${r.label}/${HLS_IFRAMES_NAME}`, bandwidth: iFrameBandwidth(scan.iFrames) },
      };
      return { segments, starts: scan.starts, variant, entry };
    },
    { signal },
  );
  // Every lower rung is held to the top one's segments.
  const [top, ...lower] = rungs;
  for (const [i, r] of lower.entries()) assertAligned(ladder[i + 1]!.label, r.starts, top!.starts, sourceFps);
  // Lowest first, as the ladder was before it was reversed.
  const variants = rungs.map((r) => r.variant).reverse();
  const masterEntries = rungs.map((r) => r.entry).reverse();
  const firstSegments = top?.segments ?? [];
  let master = buildMasterPlaylist(masterEntries);
  let subtitles: HlsSubtitles | null = null;
  if (cues && cues.length > 0) {
    // Every variant is cut where the top one is (assertAligned), so the subtitle segments follow it.
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

/**
 * A lower rung's segments against the top's: the same count, each starting
 * within half a source frame of the top's (the same frame). Anything else
 * would make players jump or stall when they switch rungs.
 */
function assertAligned(label: string, starts: readonly number[], topStarts: readonly number[], sourceFps: number): void {
  const tolerance = 0.5 / (sourceFps || 30);
  const off = starts.findIndex((t, i) => Math.abs(t - topStarts[i]!) > tolerance);
  if (starts.length !== topStarts.length || off >= 0) {
    throw new VidgenError('RENDER_FAILED', {
      message: `HLS ${label}: segments do not line up with the top rendition's (${starts.length} vs ${topStarts.length} segments${off >= 0 ? `, segment ${off} starts at ${starts[off]} s vs ${topStarts[off]} s` : ''}).`,
      details: { rendition: label, starts: starts.slice(0, 50), top_starts: topStarts.slice(0, 50) },
    });
  }
}
