import { QUALITIES, QUALITY_PRESETS, type Quality, type QualityPreset } from '@vidgen/core';

export interface Rendition {
  /** "480p", "720p", "1080p", "2160p". */
  label: string;
  quality: Quality;
  preset: QualityPreset;
  /** The top rendition is the progressive MP4 itself, remuxed (no second encode). */
  reuseSource: boolean;
}

/** Every quality up to the job's, lowest first; the job's own is the top and reuses the MP4's encode. */
export function renditionLadder(quality: Quality): Rendition[] {
  const top = QUALITIES.indexOf(quality);
  return QUALITIES.slice(0, top + 1).map((q, i) => ({ label: QUALITY_PRESETS[q].label, quality: q, preset: QUALITY_PRESETS[q], reuseSource: i === top }));
}
