import path from 'node:path';
import { DEFAULT_ASPECT, DEFAULT_OUTPUT_FORMATS, VidgenError, frameSizeFor, type JobRecord, type MediaFacts, type OutputFormat, type StageName } from '@vidgen/core';
import { factsFromProbe, probe } from '@vidgen/ffmpeg';
import type { VideoGenerationResult } from '../orchestrator';
import { packageHls, type HlsPackage } from './hls';
import { renderThumbnails, type ThumbnailSet } from './thumbnails';

/** The files a delivery made (all of them, or those final at one step): what the job's outputs are planned from. */
export interface DeliveryFiles {
  formats: readonly OutputFormat[];
  videoPath: string;
  width: number;
  height: number;
  subtitlesPath: string | null;
  thumbnails: ThumbnailSet | null;
  hls: HlsPackage | null;
}

/** The delivery's files and the facts measured on them. Plain data. */
export interface PreparedMedia {
  files: DeliveryFiles;
  video: MediaFacts;
  durationSeconds: number;
  variants: Array<{ label: string; facts: MediaFacts }>;
}

export interface PrepareOptions {
  record: JobRecord;
  rendered: VideoGenerationResult;
  ffmpegPath: string;
  ffprobePath: string;
  delivery: { thumbnailCount: number; thumbnailWidth: number; hlsSegmentSeconds: number };
  report: (stage: StageName, percentage: number) => void;
  /** encoding_renditions when the job has no HLS. */
  skip: (stage: StageName) => Promise<void>;
  signal: AbortSignal;
  /**
   * Files final from here on: the MP4, subtitles and stills; then the HLS package (whose master
   * must still wait for every file it names). Uploads may start. Must not throw.
   */
  onFinal?: (files: DeliveryFiles) => void;
}

/** generating_thumbnails → encoding_renditions → extracting_metadata, on the rendered MP4. */
export async function prepareDelivery(options: PrepareOptions): Promise<PreparedMedia> {
  const { record, rendered, ffmpegPath, ffprobePath, delivery, report, skip, signal, onFinal } = options;
  const formats = record.configuration.formats ?? DEFAULT_OUTPUT_FORMATS;
  const deliveryDir = path.join(rendered.scratchDir, 'delivery');
  const media = { ffmpegPath, input: rendered.videoPath, durationSeconds: rendered.durationSeconds };
  // The MP4 is final: its probe runs beside the stills and the HLS package (read at extracting_metadata).
  const probed = probe(rendered.videoPath, { ffprobePath });
  probed.catch(() => undefined); // awaited below; a failure before then is not unhandled

  report('generating_thumbnails', 0);
  // Painted beside the render units when the run asked for them; grabbed from the MP4 otherwise.
  const thumbnails =
    rendered.stills ??
    (await renderThumbnails({
      ...media,
      outDir: deliveryDir,
      width: rendered.width,
      height: rendered.height,
      count: delivery.thumbnailCount,
      thumbnailWidth: delivery.thumbnailWidth,
      onProgress: (p) => report('generating_thumbnails', p),
      signal,
    }));
  report('generating_thumbnails', 100);
  const files = { formats, videoPath: rendered.videoPath, width: rendered.width, height: rendered.height, subtitlesPath: rendered.subtitlesPath };
  onFinal?.({ ...files, thumbnails, hls: null });

  let hls: HlsPackage | null = null;
  if (formats.includes('hls')) {
    report('encoding_renditions', 0);
    hls = await packageHls({
      ...media,
      ffprobePath,
      width: rendered.width,
      height: rendered.height,
      quality: record.configuration.quality,
      sourceFps: rendered.fps,
      outDir: deliveryDir,
      segmentSeconds: delivery.hlsSegmentSeconds,
      onProgress: (p) => report('encoding_renditions', p),
      signal,
      // A narrated job's spoken captions become the master's subtitles rendition (issue 14). Silent
      // jobs keep their masters as they were: the API's playlist route signs .ts/.m4s segments only.
      subtitles: rendered.narration ? rendered.captions : null,
      // The lower rungs the render pass encoded from its own frames (RunOptions.hls): remuxed, not encoded again.
      prebuilt: rendered.renditions,
    });
    report('encoding_renditions', 100);
    // The HLS package alone: the MP4, subtitles and stills were final at the first call.
    onFinal?.({ ...files, formats: [], subtitlesPath: null, thumbnails: null, hls });
  } else {
    await skip('encoding_renditions');
  }

  report('extracting_metadata', 0);
  // Every rendition gets its own facts: the HLS variants are probed through their local playlists, all at once.
  const variantsProbed = Promise.all((hls?.variants ?? []).map(async (v) => ({ label: v.label, facts: factsFromProbe(await probe(v.playlistPath, { ffprobePath })) })));
  variantsProbed.catch(() => undefined); // awaited below, after the MP4's check
  const facts = await probed;
  // The quality's size in the job's aspect (9:16 and 1:1 too), not the preset's 16:9 size.
  const expected = frameSizeFor(record.configuration.quality, record.configuration.aspect ?? DEFAULT_ASPECT);
  if (facts.video?.codec !== 'h264' || facts.video.width !== expected.width || facts.video.height !== expected.height) {
    throw new VidgenError('RENDER_FAILED', { message: 'The rendered video does not match the requested preset.', details: { probe: facts.video } });
  }
  const variants = await variantsProbed;
  report('extracting_metadata', 100);
  return { files: { ...files, width: facts.video.width, height: facts.video.height, thumbnails, hls }, video: factsFromProbe(facts), durationSeconds: facts.duration_seconds, variants };
}
