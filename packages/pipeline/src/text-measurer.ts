export type FontWeight = 'regular' | 'bold';

/** What layout needs from a font; the fontkit adapter implements it, tests can fake it. */
export interface TextMeasurer {
  /** Advance width in pixels of one line of text at `sizePx`. */
  width(text: string, weight: FontWeight, sizePx: number): number;
  /** Height of one line box (ascender to descender) at `sizePx`. */
  lineHeight(weight: FontWeight, sizePx: number): number;
  /** Distance from the top of the line box to the baseline at `sizePx`. */
  ascent(weight: FontWeight, sizePx: number): number;
  /** Whether the font has a glyph for this code point (its cmap maps it). */
  hasGlyph(codePoint: number, weight: FontWeight): boolean;
}
