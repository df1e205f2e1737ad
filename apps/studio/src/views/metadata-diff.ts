import type { Metadata } from '../api';

/** The metadata editor's pure part: the form's shape and what differs between versions. */

export type Editable = Pick<Metadata, 'title' | 'description' | 'tags'>;
export const FIELDS = ['title', 'description', 'tags'] as const;
const show = (m: Editable, f: (typeof FIELDS)[number]) => (f === 'tags' ? m.tags.join(', ') : m[f]) || '(empty)';
export const tagList = (s: string) => s.split(',').map((t) => t.trim()).filter(Boolean);
export type Form = { title: string; description: string; tags: string };
export const formOf = (m: Editable): Form => ({ title: m.title, description: m.description ?? '', tags: m.tags.join(', ') });
/** The fields of `form` that differ from `base` (what the user changed). */
export const edited = (form: Form, base: Form) => FIELDS.filter((f) => (f === 'tags' ? tagList(form.tags).join(',') !== tagList(base.tags).join(',') : form[f] !== base[f]));

/** What changed on the server between the version the form was loaded from and the current one. */
export function changesBetween(base: Editable, current: Editable): Array<{ field: string; was: string; now: string }> {
  return FIELDS.filter((f) => show(base, f) !== show(current, f)).map((f) => ({ field: f, was: show(base, f), now: show(current, f) }));
}

