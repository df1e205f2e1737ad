import Joi from 'joi';
import { validate } from '@vidgen/core';
import type { EditableMetadata } from './model';

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

// Moved beside probe() (issue 16): the pipeline measures the delivery's facts without the metadata store.
export { factsFromProbe } from '@vidgen/ffmpeg';
