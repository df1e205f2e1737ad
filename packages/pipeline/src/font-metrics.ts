import * as fontkit from 'fontkit';
import type { FontWeight, TextMeasurer } from './text-measurer';

export interface FontFiles {
  regular: string;
  bold: string;
}

type Font = fontkit.Font;

const cache = new Map<string, Font>();

function open(file: string): Font {
  let font = cache.get(file);
  if (!font) {
    const opened = fontkit.openSync(file);
    if (!('layout' in opened)) throw new Error(`${file} is a font collection, expected a single TTF`);
    font = opened as Font;
    cache.set(file, font);
  }
  return font;
}

/**
 * Real font metrics from the same TTF files drawtext renders with: advance
 * widths after shaping (fontkit's layout) and the cmap for coverage.
 */
export function fontkitMeasurer(files: FontFiles): TextMeasurer {
  const fonts: Record<FontWeight, Font> = { regular: open(files.regular), bold: open(files.bold) };
  return {
    width(text, weight, sizePx) {
      const font = fonts[weight];
      return (font.layout(text).advanceWidth / font.unitsPerEm) * sizePx;
    },
    lineHeight(weight, sizePx) {
      const font = fonts[weight];
      return ((font.ascent - font.descent) / font.unitsPerEm) * sizePx;
    },
    ascent(weight, sizePx) {
      const font = fonts[weight];
      return (font.ascent / font.unitsPerEm) * sizePx;
    },
    hasGlyph(codePoint, weight) {
      return fonts[weight].hasGlyphForCodePoint(codePoint);
    },
  };
}
