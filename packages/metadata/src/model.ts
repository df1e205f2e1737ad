import type { MediaFacts, OutputRecord, RenditionMetadata } from '@vidgen/core';

export type { MediaFacts, OutputRecord, RenditionMetadata } from '@vidgen/core';

export interface ImageOutput {
  key: string;
  width: number;
  height: number;
}

export interface ThumbnailOutput extends ImageOutput {
  time_seconds: number;
}

export interface SubtitlesOutput {
  language: string;
  format: string;
  key: string;
}

/**
 * Every output a player or gallery needs, by object key (URLs are signed at read time): a view
 * of the version's output records (outputsView). Versions written before issue 16 stored this
 * shape itself; they are never rewritten, so it stays readable.
 */
export interface MetadataOutputs {
  /** The progressive MP4; null for an HLS-only job. */
  video_key: string | null;
  poster: ImageOutput | null;
  thumbnails: ThumbnailOutput[];
  storyboard: { vtt_key: string; sprite_key: string } | null;
  subtitles: SubtitlesOutput[];
  hls: { master_key: string } | null;
}

/** Client-editable text: validated and stored as plain text. */
export interface EditableMetadata {
  title: string;
  description: string;
  tags: string[];
}

export type ChangeKind = 'created' | 'edited' | 'reuploaded';

/** One version of a video's metadata; every version stays readable. */
export interface VideoMetadata extends EditableMetadata, MediaFacts {
  video_id: string;
  job_id: string;
  owner: string;
  version: number;
  change: ChangeKind;
  renditions: RenditionMetadata[];
  /** The same records as the job's result.outputs (a re-upload's own); a legacy view in versions from before issue 16. */
  outputs: OutputRecord[] | MetadataOutputs;
  created_at: string;
  updated_at: string;
}

/**
 * Pure: a version's outputs as a player reads them. Nothing is recomputed: a thumbnail's
 * time is the record's (0 only for a record without one, which the delivery never writes).
 */
export function outputsView(outputs: VideoMetadata['outputs']): MetadataOutputs {
  if (!Array.isArray(outputs)) return outputs;
  const of = (kind: OutputRecord['kind']) => outputs.filter((o) => o.kind === kind);
  const image = (o: OutputRecord): ImageOutput => ({ key: o.key, width: o.width ?? 0, height: o.height ?? 0 });
  const [video] = of('video');
  const [poster] = of('poster');
  const [sprite] = of('sprite');
  const [storyboard] = of('storyboard');
  const [master] = of('hls_master');
  return {
    video_key: video?.key ?? null,
    poster: poster ? image(poster) : null,
    thumbnails: of('thumbnail').map((t) => ({ ...image(t), time_seconds: t.time_seconds ?? 0 })),
    storyboard: storyboard && sprite ? { vtt_key: storyboard.key, sprite_key: sprite.key } : null,
    // The pipeline writes English WebVTT captions only (the narration's language).
    subtitles: of('subtitles').map((o) => ({ language: 'en', format: 'vtt', key: o.key })),
    hls: master ? { master_key: master.key } : null,
  };
}
