import type { FontWeight, TextMeasurer } from './text-measurer';

/** Visible stand-in for characters the font cannot draw (DejaVu has U+FFFD; '?' otherwise). */
export const REPLACEMENT_CHARACTER = '\uFFFD';

export interface SanitizedText {
  text: string;
  /** Distinct code points that were replaced, as U+XXXX. */
  replaced: string[];
}

/** Characters we never hand to drawtext as-is: controls other than newline; tabs become spaces. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;
/** Zero-width marks that fonts rarely map but that are harmless to drop (joiners, bidi marks, BOM). */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/u;

function hex(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Replaces every character the font has no glyph for with a visible
 * replacement (never an empty .notdef box) and reports which ones. Pure given
 * the measurer's cmap.
 */
export function sanitizeForFont(input: string, measurer: Pick<TextMeasurer, 'hasGlyph'>, weight: FontWeight): SanitizedText {
  const replacement = measurer.hasGlyph(0xfffd, weight) ? REPLACEMENT_CHARACTER : '?';
  const replaced = new Set<string>();
  let out = '';
  for (const ch of input.replace(/\r\n?/g, '\n').replace(/\t/g, ' ')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || ch === ' ') {
      out += ch;
    } else if (INVISIBLE.test(ch)) {
      continue;
    } else if (CONTROL.test(ch) || !measurer.hasGlyph(cp, weight)) {
      replaced.add(hex(cp));
      out += replacement;
    } else {
      out += ch;
    }
  }
  return { text: out, replaced: [...replaced] };
}
