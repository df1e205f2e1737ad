/**
 * The scene editor's drafts (what the inputs hold, as strings) and their
 * conversion to the API's scene shape. The API validates; this only shapes.
 */

export interface SceneDraft {
  /** Stable across reorders (the list's key, and so the inputs keep their focus). */
  key: number;
  layout: string;
  duration: string;
  /** Input values by input name: the content fields, and chart_* / left_* / right_* for the composite ones. */
  values: Record<string, string>;
}

let nextKey = 1;
export const newScene = (layout = 'text'): SceneDraft => ({ key: nextKey++, layout, duration: '', values: {} });

/** Fields whose value is a list, one entry per line. */
const LINES = new Set(['items']);
const NUMBERS = new Set(['value']);

/** The inputs of one content field: composite fields (chart, left, right) have several. */
export function inputsOf(field: string): Array<{ name: string; label: string; kind: 'text' | 'lines' | 'number' | 'long' | 'select' | 'list' }> {
  if (field === 'chart') {
    return [
      { name: 'chart_type', label: 'Chart type', kind: 'select' },
      { name: 'chart_labels', label: 'Labels (comma separated)', kind: 'list' },
      { name: 'chart_values', label: 'Values (comma separated)', kind: 'list' },
      { name: 'chart_unit', label: 'Unit', kind: 'text' },
    ];
  }
  if (field === 'left' || field === 'right') {
    const side = field === 'left' ? 'Left' : 'Right';
    return [
      { name: `${field}_heading`, label: `${side} heading`, kind: 'text' },
      { name: `${field}_items`, label: `${side} items (one per line)`, kind: 'lines' },
    ];
  }
  if (LINES.has(field)) return [{ name: field, label: 'Items (one per line)', kind: 'lines' }];
  if (NUMBERS.has(field)) return [{ name: field, label: 'Value', kind: 'number' }];
  if (field === 'text' || field === 'quote') return [{ name: field, label: field === 'text' ? 'Text' : 'Quote', kind: 'long' }];
  if (field === 'icon') return [{ name: field, label: 'Icon', kind: 'select' }];
  return [{ name: field, label: field[0]!.toUpperCase() + field.slice(1), kind: 'text' }];
}

const lines = (s: string | undefined) => (s ?? '').split('\n').map((l) => l.trim()).filter(Boolean);
const commaList = (s: string | undefined) => (s ?? '').split(',').map((l) => l.trim()).filter(Boolean);
/** A number input's text as a number; text that is not one is sent as is, for the API to refuse by name. */
const num = (s: string) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s);

/** The scene as the API takes it: only the fields its layout uses, empty inputs left out. */
export function toApiScene(draft: SceneDraft, fields: readonly string[]): Record<string, unknown> {
  const v = draft.values;
  const scene: Record<string, unknown> = { layout: draft.layout };
  if (draft.duration.trim() !== '') scene.duration_seconds = num(draft.duration);
  for (const field of fields) {
    if (field === 'chart') {
      if (!v.chart_labels && !v.chart_values) continue;
      scene.chart = {
        type: v.chart_type || 'bar',
        labels: commaList(v.chart_labels),
        values: commaList(v.chart_values).map(num),
        ...(v.chart_unit ? { unit: v.chart_unit } : {}),
      };
    } else if (field === 'left' || field === 'right') {
      if (!v[`${field}_heading`] && !v[`${field}_items`]) continue;
      scene[field] = { heading: v[`${field}_heading`] ?? '', items: lines(v[`${field}_items`]) };
    } else if (LINES.has(field)) {
      if (v[field]) scene[field] = lines(v[field]);
    } else if (NUMBERS.has(field)) {
      if (v[field]?.trim()) scene[field] = num(v[field]!);
    } else if (v[field]?.trim()) scene[field] = v[field]!.trim();
  }
  return scene;
}

/** Moves the scene at `from` by `by` places (clamped); a new array. */
export function move<T>(list: readonly T[], from: number, by: number): T[] {
  const to = Math.max(0, Math.min(list.length - 1, from + by));
  const out = [...list];
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item!);
  return out;
}
