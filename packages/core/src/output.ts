/**
 * The one output model (issue 16): a job's result and its video's metadata
 * hold the same OutputRecord values, written once by the delivery; everything
 * a client reads about an output (the metadata's thumbnails, poster, storyboard,
 * renditions) is a view of these records, not a second copy of their facts.
 */

export const OUTPUT_KINDS = ['video', 'subtitles', 'poster', 'thumbnail', 'sprite', 'storyboard', 'hls_master', 'hls_playlist', 'hls_segment'] as const;
export type OutputKind = (typeof OUTPUT_KINDS)[number];

/** One stored object of a job. */
export interface OutputRecord {
  kind: OutputKind;
  key: string;
  size_bytes: number;
  content_type: string;
  width?: number;
  height?: number;
  /** The HLS rendition ("480p", "720p", "1080p", "2160p") of playlists and segments. */
  rendition?: string;
  /** A thumbnail's instant in the video: the time its frame was taken at, kept from the plan that took it. */
  time_seconds?: number;
  /**
   * An I-frame playlist (EXT-X-I-FRAME-STREAM-INF) of its rendition. Still of kind hls_playlist: the API
   * serves and signs any playlist the master names by that kind; the flag tells it from the media playlist.
   */
  i_frames?: true;
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

/** One rendition of a video (a progressive MP4 or an HLS variant): its playable output's key and its probed facts. */
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

/** A video's first metadata version as the lifecycle hands it to the metadata store (its createForJob). */
export interface VideoMetadataInput {
  jobId: string;
  owner: string;
  topic: string;
  facts: MediaFacts;
  renditions: RenditionMetadata[];
  /** The job's result.outputs themselves: the metadata refers to the same records. */
  outputs: OutputRecord[];
}
