import { QUALITY_PRESETS, type JobRecord, type MediaFacts, type OutputRecord, type RenditionMetadata, type VideoMetadataInput } from '@vidgen/core';

/** What the metadata store's createForJob takes (VideoMetadataManager's CreateVideoInput). */
export type MetadataInput = VideoMetadataInput;

const rendition = (label: string, format: 'mp4' | 'hls', key: string, f: MediaFacts): RenditionMetadata => ({
  label,
  format,
  key,
  width: f.width,
  height: f.height,
  fps: f.fps,
  bit_rate: f.bit_rate,
  size_bytes: f.size_bytes,
  duration_seconds: f.duration_seconds,
  video_codec: f.video_codec,
  audio_codec: f.audio_codec,
});

/**
 * Pure: the stored outputs and the facts ffprobe measured → the first metadata version of the
 * job's video. Each rendition names its playable output's key (the MP4, or a variant's media
 * playlist, not its I-frame playlist); the outputs are stored as they are.
 */
export function buildMetadataInput(record: JobRecord, facts: MediaFacts, outputs: readonly OutputRecord[], variants: ReadonlyArray<{ label: string; facts: MediaFacts }>): MetadataInput {
  const video = outputs.find((o) => o.kind === 'video');
  const renditions: RenditionMetadata[] = [];
  if (video) renditions.push(rendition(QUALITY_PRESETS[record.configuration.quality].label, 'mp4', video.key, { ...facts, size_bytes: video.size_bytes }));
  for (const v of variants) {
    const playlist = outputs.find((o) => o.kind === 'hls_playlist' && o.rendition === v.label && !o.i_frames);
    if (playlist) renditions.push(rendition(v.label, 'hls', playlist.key, v.facts));
  }
  return { jobId: record.job_id, owner: record.owner, topic: record.configuration.topic, facts: { ...facts, size_bytes: video?.size_bytes ?? facts.size_bytes }, renditions, outputs: [...outputs] };
}
