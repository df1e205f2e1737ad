import type { FontWeight } from './fonts';

/**
 * Text layout as pure geometry: wrapping and shrink-to-fit against a
 * measurer (the painter backs it with Skia's measureText on the bundled fonts;
 * the same metrics draw the text). No drawing here.
 */
export interface Measurer {
  /** Advance width in pixels of `text` at `size` px in the bundled font stack. */
  width(text: string, size: number, weight: FontWeight): number;
}

/** A run of characters of a right-to-left script decides a paragraph's direction when it comes first. */
const RTL_CHAR = /[\u0590-\u05ff\u0600-\u06ff\u0700-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/u;
const STRONG_CHAR = /\p{L}/u;

/** Direction of a paragraph by its first strong (letter) character, as the Unicode bidi algorithm's P2 does. */
export function isRtl(text: string): boolean {
  for (const ch of text) {
    if (STRONG_CHAR.test(ch)) return RTL_CHAR.test(ch);
  }
  return false;
}

/** Ideographs, kana, hangul, full-width forms and CJK punctuation: a line may break between any two of them. */
const CJK_CHAR = /[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3200-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u{20000}-\u{3ffff}]/u;

interface Piece {
  text: string;
  /** What joins it to the piece before on the same line: a space, or nothing (CJK). */
  glue: ' ' | '';
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function splitGraphemes(text: string): string[] {
  return [...graphemes.segment(text)].map((s) => s.segment);
}

/** Words separated by spaces; CJK characters become their own pieces (breakable between them). */
function pieces(paragraph: string): Piece[] {
  const out: Piece[] = [];
  for (const word of paragraph.split(' ')) {
    if (word === '') continue;
    let glue: ' ' | '' = ' ';
    let run = '';
    for (const g of splitGraphemes(word)) {
      if (CJK_CHAR.test(g)) {
        if (run) {
          out.push({ text: run, glue });
          glue = '';
          run = '';
        }
        out.push({ text: g, glue });
        glue = '';
      } else run += g;
    }
    if (run) out.push({ text: run, glue });
  }
  return out;
}

/**
 * Splits one word that is wider than a line: first after its hyphens, and
 * only a part still too wide is broken between characters. Greedy: each
 * chunk holds as much as fits.
 */
function splitLongWord(word: string, maxWidth: number, widthOf: (s: string) => number): string[] {
  const hyphenParts = word.split(/(?<=[-\u2010\u2011])/u);
  const chunks: string[] = [];
  let cur = '';
  let curW = 0;
  const flush = (): void => {
    if (cur !== '') chunks.push(cur);
    cur = '';
    curW = 0;
  };
  for (const part of hyphenParts) {
    const pw = widthOf(part);
    if (cur !== '' && curW + pw <= maxWidth) {
      cur += part;
      curW += pw;
    } else if (pw <= maxWidth) {
      flush();
      cur = part;
      curW = pw;
    } else {
      flush();
      for (const g of splitGraphemes(part)) {
        const gw = widthOf(g);
        if (cur !== '' && curW + gw > maxWidth) flush();
        cur += g;
        curW += gw;
      }
    }
  }
  flush();
  return chunks;
}

/**
 * Greedy line breaking: at spaces (and between CJK characters) first; a word
 * wider than the whole line breaks after its hyphens, and only then inside.
 * Newlines in the text are kept as paragraph breaks. A line's width is the
 * sum of its pieces' measured widths (words are measured whole, so shaping
 * and kerning inside a word count); the caller measures the finished lines.
 */
export function wrapText(text: string, maxWidth: number, size: number, weight: FontWeight, measure: Measurer): string[] {
  const widthOf = (s: string): number => measure.width(s, size, weight);
  const spaceW = widthOf(' ');
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let cur = '';
    let curW = 0;
    for (const piece of pieces(paragraph.replace(/ +/g, ' ').trim())) {
      const pw = widthOf(piece.text);
      const glueW = piece.glue === ' ' ? spaceW : 0;
      if (cur === '' ? pw <= maxWidth : curW + glueW + pw <= maxWidth) {
        cur = cur === '' ? piece.text : cur + piece.glue + piece.text;
        curW = cur === piece.text ? pw : curW + glueW + pw;
        continue;
      }
      if (cur !== '') lines.push(cur);
      if (pw <= maxWidth) {
        cur = piece.text;
        curW = pw;
        continue;
      }
      const chunks = splitLongWord(piece.text, maxWidth, widthOf);
      cur = chunks.pop() ?? '';
      curW = widthOf(cur);
      lines.push(...chunks);
    }
    if (cur !== '' || lines.length === 0) lines.push(cur);
  }
  // Blank paragraphs in the middle stay; trailing ones would only waste height.
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export interface TextStyle {
  weight: FontWeight;
  /** Line advance as a multiple of the font size. */
  lineHeight: number;
}

/** A wrapped text at one size: lines with their widths, and the block's height. */
export interface WrappedText {
  lines: string[];
  widths: number[];
  size: number;
  weight: FontWeight;
  lineHeight: number;
  rtl: boolean;
  /** Widest line. */
  width: number;
  height: number;
}

export function wrapAt(text: string, maxWidth: number, size: number, style: TextStyle, measure: Measurer): WrappedText {
  const lines = wrapText(text, maxWidth, size, style.weight, measure);
  const widths = lines.map((l) => measure.width(l, size, style.weight));
  return {
    lines,
    widths,
    size,
    weight: style.weight,
    lineHeight: style.lineHeight,
    rtl: isRtl(text),
    width: Math.max(0, ...widths),
    height: lines.length * size * style.lineHeight,
  };
}

export interface FitResult<T> {
  value: T;
  size: number;
  /** False when even the minimum size overflows (the value is then laid out at the minimum). */
  fits: boolean;
}

/**
 * The largest whole-pixel font size in [min, max] for which `layoutAt(size)`
 * reports it fits: shrink to fit, never below the minimum (binary search;
 * the answer always fits, even where fitting is not monotonic in the size).
 */
export function fitSize<T>(min: number, max: number, layoutAt: (size: number) => { value: T; fits: boolean }): FitResult<T> {
  const lo0 = Math.max(1, Math.floor(min));
  const hi0 = Math.max(lo0, Math.floor(max));
  const atMax = layoutAt(hi0);
  if (atMax.fits) return { value: atMax.value, size: hi0, fits: true };
  let lo = lo0;
  let hi = hi0; // hi never fits
  let best: { value: T; size: number } | undefined;
  const atMin = layoutAt(lo0);
  if (!atMin.fits) return { value: atMin.value, size: lo0, fits: false };
  best = { value: atMin.value, size: lo0 };
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const r = layoutAt(mid);
    if (r.fits) {
      lo = mid;
      best = { value: r.value, size: mid };
    } else hi = mid;
  }
  return { value: best.value, size: best.size, fits: true };
}

/** Wraps a text into a box, shrinking from `max` to `min` px until its lines fit the box's height. */
export function fitText(text: string, box: { width: number; height: number }, range: { min: number; max: number }, style: TextStyle, measure: Measurer): FitResult<WrappedText> {
  return fitSize(range.min, range.max, (size) => {
    const w = wrapAt(text, box.width, size, style, measure);
    return { value: w, fits: w.height <= box.height + 0.01 && w.width <= box.width + 0.01 };
  });
}
