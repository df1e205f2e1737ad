import { describeSettings } from './settings';

export const TEMPLATE_PATHS = ['.env.example', 'config/production.env.template'] as const;

/** `NAME=value` sets a variable; `#NAME=` (no space) lists it as unset. Description comments start with "# ". */
export const TEMPLATE_LINE = /^(#?)([A-Z][A-Z0-9_]*)=(.*)$/;

function wrapComment(text: string, width = 100): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(`# ${line}`);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(`# ${line}`);
  return lines;
}

/**
 * Rewrites an env template so it lists exactly the schema's settings, in
 * schema order, each under its description. Values already in the file are
 * kept; new settings get their schema default (or `#NAME=` when they have
 * none). The header (everything before the first blank line) is kept.
 */
export function syncTemplate(current: string): string {
  const lines = current.split('\n');
  const blank = lines.indexOf('');
  const header = blank >= 0 ? lines.slice(0, blank) : [];
  const existing = new Map<string, string>();
  for (const line of lines) {
    const m = TEMPLATE_LINE.exec(line);
    if (m) existing.set(m[2]!, line);
  }
  const out = [...header, ''];
  for (const s of describeSettings()) {
    out.push(...wrapComment(`${s.secret ? '[secret] ' : ''}${s.description}`));
    out.push(existing.get(s.name) ?? (s.default === undefined ? `#${s.name}=` : `${s.name}=${String(s.default)}`));
    out.push('');
  }
  return out.join('\n');
}
