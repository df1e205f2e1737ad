import { QUALITY_PRESETS, QUALITIES } from '@vidgen/core';
import { fontPath } from '@vidgen/ffmpeg';
import { SAFE_MARGIN, fontkitMeasurer, layoutScene, sanitizeForFont, truncateLines, wrapMeasured, type TextMeasurer } from '../src';

const measurer = fontkitMeasurer({ regular: fontPath('DejaVuSans.ttf'), bold: fontPath('DejaVuSans-Bold.ttf') });
const long = 'Photosynthesis converts light energy into chemical energy that fuels the activities of the organism. '.repeat(12);

describe('font metrics (fontkit on the DejaVu TTFs)', () => {
  it('measures real advance widths: W is wider than i, bold wider than regular', () => {
    expect(measurer.width('WWWW', 'regular', 40)).toBeGreaterThan(measurer.width('iiii', 'regular', 40) * 2);
    expect(measurer.width('Hello', 'bold', 40)).toBeGreaterThan(measurer.width('Hello', 'regular', 40));
    expect(measurer.width('Hello', 'regular', 80)).toBeCloseTo(measurer.width('Hello', 'regular', 40) * 2, 6);
  });

  it('covers Latin, Greek and Cyrillic, and replaces CJK visibly with a warning', () => {
    const fine = sanitizeForFont('Crème brûlée — Ελληνικά — Кириллица: ½ “quotes” ß', measurer, 'regular');
    expect(fine.replaced).toEqual([]);
    const cjk = sanitizeForFont('abc 中文 def', measurer, 'bold');
    expect(cjk.text).toBe('abc \uFFFD\uFFFD def');
    expect(cjk.replaced).toEqual(['U+4E2D', 'U+6587']);
  });

  it('replaces control characters and drops zero-width marks', () => {
    const s = sanitizeForFont('a\u0007b\u200bc\td', measurer, 'regular');
    expect(s.text).toBe('a\uFFFDbc d');
    expect(s.replaced).toEqual(['U+0007']);
  });
});

describe('wrapping (pure)', () => {
  const mono = (s: string) => [...s].length * 10;
  it('wraps greedily by measured width and keeps explicit newlines', () => {
    expect(wrapMeasured('aaa bbb ccc\nddd', 75, mono)).toEqual(['aaa bbb', 'ccc', 'ddd']);
  });
  it('splits a word wider than the line', () => {
    expect(wrapMeasured('abcdefghij', 40, mono)).toEqual(['abcd', 'efgh', 'ij']);
  });
  it('truncates with an ellipsis that still fits', () => {
    const out = truncateLines(['aaaa', 'bbbb', 'cccc'], 2, 40, mono);
    expect(out).toEqual(['aaaa', 'bbb…']);
  });
});

describe('scene layout stays inside the safe area at every quality', () => {
  for (const quality of QUALITIES) {
    it(`${quality}: every line inside the 5% margins, type shrunk or cut to fit`, () => {
      const { width, height } = QUALITY_PRESETS[quality];
      for (const [title, text] of [
        ['Short', ''],
        ['A rather long title that will need more than one line to fit on screen at all', long.slice(0, 300)],
        ['Overflow', long.repeat(3)],
        ['', 'Supercalifragilisticexpialidocious'.repeat(6)],
      ] as const) {
        const layout = layoutScene({ width, height, title, text, measurer });
        expect(layout.lines.length).toBeGreaterThan(0);
        for (const line of layout.lines) {
          expect(line.x).toBeGreaterThanOrEqual(width * SAFE_MARGIN);
          expect(line.x + line.width).toBeLessThanOrEqual(width * (1 - SAFE_MARGIN));
          expect(line.y).toBeGreaterThanOrEqual(height * SAFE_MARGIN);
          expect(line.y + measurer.lineHeight(line.weight, line.sizePx)).toBeLessThanOrEqual(height * (1 - SAFE_MARGIN));
        }
        if (title === 'Overflow') {
          expect(layout.truncated).toBe(true);
          expect(layout.lines[layout.lines.length - 1]?.text.endsWith('…')).toBe(true);
        }
      }
    });
  }

  it('centres lines and puts the accent rule between title and body', () => {
    const layout = layoutScene({ width: 1280, height: 720, title: 'Title', text: 'Body text', measurer });
    const [title, body] = layout.lines;
    expect(title?.weight).toBe('bold');
    expect(body?.weight).toBe('regular');
    expect(Math.abs((title?.x ?? 0) * 2 + (title?.width ?? 0) - 1280)).toBeLessThanOrEqual(1);
    expect(layout.rule).not.toBeNull();
    expect(layout.rule!.y).toBeGreaterThan(title!.y);
    expect(layout.rule!.y + layout.rule!.h).toBeLessThan(body!.y);
  });

  it('works with any TextMeasurer (fake)', () => {
    const fake: TextMeasurer = { width: (s, _w, size) => [...s].length * size * 0.5, lineHeight: (_w, size) => size * 1.2, ascent: (_w, size) => size, hasGlyph: () => true };
    const layout = layoutScene({ width: 1000, height: 500, title: 'x'.repeat(10), text: '', measurer: fake });
    expect(layout.lines).toHaveLength(1);
    expect(layout.lines[0]?.sizePx).toBe(40);
  });
});
