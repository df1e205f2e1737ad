/** One rendition of a video (a progressive MP4 or an HLS variant). */
export interface RenditionMetadata {
  label: string;
  format: string;
  key: string;
  width: number;
  height: number;
  fps: number;
  bit_rate: number | null;
  size_bytes: number;
  duration_seconds: number;
  video_codec: string;
  audio_codec: string | null;
}

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

/** Every output a player or gallery needs, by object key (URLs are signed at read time). */
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

/** Facts extracted with ffprobe: a typed, bounded record. */
export interface MediaFacts {
  duration_seconds: number;
  width: number;
  height: number;
  fps: number;
  video_codec: string;
  audio_codec: string | null;
  audio_channels: number | null;
  audio_sample_rate: number | null;
  bit_rate: number | null;
  size_bytes: number;
  format: string;
  rotation: number;
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
  outputs: MetadataOutputs;
  created_at: string;
  updated_at: string;
}
