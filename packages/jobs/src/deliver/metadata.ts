import { QUALITY_PRESETS, type JobRecord, type OutputRecord } from '@vidgen/core';
import type { CreateVideoInput, MediaFacts, MetadataOutputs, RenditionMetadata } from '@vidgen/metadata';
import { thumbnailTimes } from '@vidgen/pipeline';

export interface RenditionFacts {
  /** "480p" … for HLS variants; the MP4 uses the job's quality label. */
  label: string;
  format: 'mp4' | 'hls';
  key: string;
  facts: MediaFacts;
}

const rendition = (r: RenditionFacts): RenditionMetadata => ({
  label: r.label,
  format: r.format,
  key: r.key,
  width: r.facts.width,
  height: r.facts.height,
  fps: r.facts.fps,
  bit_rate: r.facts.bit_rate,
  size_bytes: r.facts.size_bytes,
  duration_seconds: r.facts.duration_seconds,
  video_codec: r.facts.video_codec,
  audio_codec: r.facts.audio_codec,
});

/**
 * Pure: the uploaded outputs and the facts ffprobe extracted → the first
 * metadata version of the job's video (every rendition and every output).
 */
export function buildMetadataInput(record: JobRecord, facts: MediaFacts, outputs: readonly OutputRecord[], hlsVariants: readonly RenditionFacts[]): CreateVideoInput {
  const of = (kind: OutputRecord['kind']) => outputs.filter((o) => o.kind === kind);
  const video = of('video')[0];
  const times = thumbnailTimes(facts.duration_seconds, of('thumbnail').length);
  const image = (o: OutputRecord) => ({ key: o.key, width: o.width ?? 0, height: o.height ?? 0 });
  const poster = of('poster')[0];
  const sprite = of('sprite')[0];
  const storyboard = of('storyboard')[0];
  const master = of('hls_master')[0];
  const out: MetadataOutputs = {
    video_key: video?.key ?? null,
    poster: poster ? image(poster) : null,
    thumbnails: of('thumbnail').map((t, i) => ({ ...image(t), time_seconds: times[i] ?? 0 })),
    storyboard: storyboard && sprite ? { vtt_key: storyboard.key, sprite_key: sprite.key } : null,
    subtitles: of('subtitles').map((s) => ({ language: 'en', format: 'vtt', key: s.key })),
    hls: master ? { master_key: master.key } : null,
  };
  const renditions: RenditionMetadata[] = [];
  if (video) renditions.push(rendition({ label: QUALITY_PRESETS[record.configuration.quality].label, format: 'mp4', key: video.key, facts: { ...facts, size_bytes: video.size_bytes } }));
  renditions.push(...hlsVariants.map(rendition));
  return { jobId: record.job_id, owner: record.owner, topic: record.configuration.topic, facts: { ...facts, size_bytes: video?.size_bytes ?? facts.size_bytes }, renditions, outputs: out };
}
