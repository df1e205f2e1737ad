import Joi from 'joi';
import { validate } from '@vidgen/core';
import type { EditableMetadata } from './model';
import type { ProbeResult } from '@vidgen/ffmpeg';
import type { MediaFacts } from './model';

// Control characters are refused (newline and tab only in the description).
const NO_CONTROL = /^[^\u0000-\u001f\u007f-\u009f]*$/;
const NO_CONTROL_EXCEPT_NEWLINE_TAB = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/;

export const LIMITS = Object.freeze({ title: 200, description: 5000, tags: 20, tag: 50 });

/** PATCH body: every field optional, at least one, unknown fields rejected. */
export const metadataPatchSchema = Joi.object({
  title: Joi.string().trim().min(1).max(LIMITS.title).pattern(NO_CONTROL, 'no control characters'),
  description: Joi.string().trim().allow('').max(LIMITS.description).pattern(NO_CONTROL_EXCEPT_NEWLINE_TAB, 'no control characters'),
  tags: Joi.array()
    .items(Joi.string().trim().min(1).max(LIMITS.tag).pattern(NO_CONTROL, 'no control characters'))
    .max(LIMITS.tags)
    .unique(),
})
  .min(1)
  .unknown(false)
  .required();

export type MetadataPatch = Partial<EditableMetadata>;

export function validateMetadataPatch(body: unknown): MetadataPatch {
  return validate<MetadataPatch>(metadataPatchSchema, body);
}

/** The default editable text for a new video: the title is the job's topic. */
export function initialEditable(topic: string): EditableMetadata {
  return { title: topic.trim().slice(0, LIMITS.title), description: '', tags: [] };
}

const finite = (n: number | null | undefined): number | null => (typeof n === 'number' && Number.isFinite(n) ? n : null);

/** Maps ffprobe's parsed answer into the stored facts, bounded and typed. */
export function factsFromProbe(p: ProbeResult): MediaFacts {
  return {
    duration_seconds: Math.max(0, finite(p.duration_seconds) ?? 0),
    width: p.video?.width ?? 0,
    height: p.video?.height ?? 0,
    fps: p.video?.fps ?? 0,
    video_codec: (p.video?.codec ?? 'unknown').slice(0, 32),
    audio_codec: p.audio ? p.audio.codec.slice(0, 32) : null,
    audio_channels: p.audio ? p.audio.channels : null,
    audio_sample_rate: p.audio ? p.audio.sample_rate : null,
    bit_rate: finite(p.bit_rate),
    size_bytes: Math.max(0, finite(p.size_bytes) ?? 0),
    format: p.format.split(',')[0]?.slice(0, 32) === 'mov' ? 'mp4' : p.format.slice(0, 32),
    rotation: finite(p.video?.rotation) ?? 0,
  };
}
