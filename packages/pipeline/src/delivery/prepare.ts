import path from 'node:path';
import { DEFAULT_ASPECT, DEFAULT_OUTPUT_FORMATS, VidgenError, frameSizeFor, type JobRecord, type StageName } from '@vidgen/core';
import { probe } from '@vidgen/ffmpeg';
import { factsFromProbe, type MediaFacts } from '@vidgen/metadata';
import { packageHls, renderThumbnails, type VideoGenerationResult } from '@vidgen/pipeline';
import { planOutputs, type LocalOutput } from './outputs';

/** Everything the upload and finalization need: local files and measured facts. Plain data, so it can be cached. */
export interface PreparedDelivery {
  outputs: LocalOutput[];
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
  /** Outputs final from here on (the MP4, subtitles and stills; then the HLS files but the master): uploads may start. Must not throw. */
  onFinal?: (outputs: LocalOutput[]) => void;
}

/** generating_thumbnails → encoding_renditions → extracting_metadata, on the rendered MP4. */
export async function prepareDelivery(options: PrepareOptions): Promise<PreparedDelivery> {
  const { record, rendered, ffmpegPath, ffprobePath, delivery, report, skip, signal, onFinal } = options;
  const formats = record.configuration.formats ?? DEFAULT_OUTPUT_FORMATS;
  const deliveryDir = path.join(rendered.scratchDir, 'delivery');
  const media = { ffmpegPath, input: rendered.videoPath, durationSeconds: rendered.durationSeconds };

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
  onFinal?.(planOutputs({ ...files, thumbnails, hls: null }));

  let hls = null;
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
    onFinal?.(planOutputs({ ...files, thumbnails: null, hls }).filter((o) => o.kind === 'hls_segment' || o.kind === 'hls_playlist'));
  } else {
    await skip('encoding_renditions');
  }

  report('extracting_metadata', 0);
  const facts = await probe(rendered.videoPath, { ffprobePath });
  // The quality's size in the job's aspect (9:16 and 1:1 too), not the preset's 16:9 size.
  const expected = frameSizeFor(record.configuration.quality, record.configuration.aspect ?? DEFAULT_ASPECT);
  if (facts.video?.codec !== 'h264' || facts.video.width !== expected.width || facts.video.height !== expected.height) {
    throw new VidgenError('RENDER_FAILED', { message: 'The rendered video does not match the requested preset.', details: { probe: facts.video } });
  }
  // Every rendition gets its own facts: the HLS variants are probed through their local playlists.
  const variants = await Promise.all((hls?.variants ?? []).map(async (v) => ({ label: v.label, facts: factsFromProbe(await probe(v.playlistPath, { ffprobePath })) })));
  report('extracting_metadata', 100);
  const outputs = planOutputs({ formats, videoPath: rendered.videoPath, width: facts.video.width, height: facts.video.height, subtitlesPath: rendered.subtitlesPath, thumbnails, hls });
  return { outputs, video: factsFromProbe(facts), durationSeconds: facts.duration_seconds, variants };
}
