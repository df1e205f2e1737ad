import * as path from 'node:path';
import { GlobalFonts } from '@napi-rs/canvas';
import * as fontkit from 'fontkit';

/**
 * Bundled fonts only: the Noto families from @expo-google-fonts/* (SIL OFL,
 * .ttf inside the npm packages). Host fonts are never listed in a font string
 * and every character no bundled font maps is replaced before drawing, so
 * Skia never falls back to whatever the machine has: output does not depend
 * on the machine.
 */
interface BundledFamily {
  family: string;
  pkg: string;
  regular: string;
  bold: string;
  /**
   * Loaded only once some text needs a character that no family before it
   * has: the CJK files are 10.5 MB each (Arabic and Hebrew 0.2 and 0.05), and
   * every render thread would otherwise read and parse them for Latin text.
   */
  lazy?: boolean;
}

const FAMILIES: readonly BundledFamily[] = [
  // Latin, Greek, Cyrillic (and U+FFFD, our replacement character).
  { family: 'VG Sans', pkg: '@expo-google-fonts/noto-sans', regular: '400Regular/NotoSans_400Regular.ttf', bold: '700Bold/NotoSans_700Bold.ttf' },
  { family: 'VG Arabic', pkg: '@expo-google-fonts/noto-sans-arabic', regular: '400Regular/NotoSansArabic_400Regular.ttf', bold: '700Bold/NotoSansArabic_700Bold.ttf', lazy: true },
  { family: 'VG Hebrew', pkg: '@expo-google-fonts/noto-sans-hebrew', regular: '400Regular/NotoSansHebrew_400Regular.ttf', bold: '700Bold/NotoSansHebrew_700Bold.ttf', lazy: true },
  // Simplified Chinese; also covers most Japanese kana and kanji.
  { family: 'VG SC', pkg: '@expo-google-fonts/noto-sans-sc', regular: '400Regular/NotoSansSC_400Regular.ttf', bold: '700Bold/NotoSansSC_700Bold.ttf', lazy: true },
];

/** The CSS font-family list every text is drawn with: Skia picks per glyph in this order. */
export const FONT_STACK = FAMILIES.map((f) => `"${f.family}"`).join(', ');

export type FontWeight = 400 | 700;

export function fontString(size: number, weight: FontWeight): string {
  return `${weight} ${size}px ${FONT_STACK}`;
}

function fontFile(f: BundledFamily, which: 'regular' | 'bold'): string {
  return path.join(path.dirname(require.resolve(`${f.pkg}/package.json`)), f[which]);
}

export function bundledFontFiles(): string[] {
  return FAMILIES.flatMap((f) => [fontFile(f, 'regular'), fontFile(f, 'bold')]);
}

/** Families registered with Skia by this thread (GlobalFonts may already hold them from another thread). */
const registeredFamilies = new Set<string>();

function registerFamily(f: BundledFamily): void {
  if (registeredFamilies.has(f.family)) return;
  const known = GlobalFonts.families.find((g) => g.family === f.family);
  for (const which of ['regular', 'bold'] as const) {
    const weight = which === 'regular' ? 400 : 700;
    if (known?.styles.some((s) => s.weight === weight)) continue;
    if (!GlobalFonts.registerFromPath(fontFile(f, which), f.family)) throw new Error(`could not register bundled font ${f.pkg}/${f[which]}`);
  }
  registeredFamilies.add(f.family);
}

/**
 * Registers the bundled fonts with Skia, once per thread (idempotent): every
 * family but the lazy ones, which hasBundledGlyph registers the first time a
 * character needs them. A family missing from the stack is skipped by Skia;
 * text that would need it is never drawn before that check (sanitizeText,
 * ensureFontsFor).
 */
export function registerBundledFonts(): void {
  for (const f of FAMILIES) if (!f.lazy) registerFamily(f);
}

/** Each family's cmap, opened on first use: the regular and bold files map the same characters, the regular one decides. */
const cmaps = new Map<string, fontkit.Font>();

function cmapOf(f: BundledFamily): fontkit.Font {
  let font = cmaps.get(f.family);
  if (!font) {
    const opened = fontkit.openSync(fontFile(f, 'regular'));
    if (!('hasGlyphForCodePoint' in opened)) throw new Error(`${f.pkg} is a font collection, expected one font`);
    font = opened;
    cmaps.set(f.family, font);
  }
  return font;
}

/**
 * Whether some bundled font maps this code point (its cmap has it). The
 * families are asked in stack order, so a lazy family's file is read only for
 * a character no earlier family has; when it has it, it is registered with
 * Skia too, before anything draws that character.
 */
export function hasBundledGlyph(cp: number): boolean {
  for (const f of FAMILIES) {
    if (!cmapOf(f).hasGlyphForCodePoint(cp)) continue;
    if (f.lazy) registerFamily(f);
    return true;
  }
  return false;
}

const ensured = new Set<string>();

/** Registers the lazy families `text` needs (for text measured or drawn without sanitizeText first). */
export function ensureFontsFor(text: string): void {
  if (ensured.has(text)) return;
  // Stack order: a character an eager family has never opens a lazy one.
  for (const ch of text) hasBundledGlyph(ch.codePointAt(0) ?? 0);
  if (ensured.size > 10_000) ensured.clear();
  ensured.add(text);
}

/** Visible stand-in for characters no bundled font can draw (Noto Sans maps it). */
export const REPLACEMENT_CHARACTER = '\uFFFD';

export interface SanitizedText {
  text: string;
  /** Distinct code points that were replaced, as U+XXXX, in order of first appearance. */
  replaced: string[];
}

/** Controls other than newline; tabs become spaces first. */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;
/** Invisible format characters that are harmless to drop when no font maps them (bidi marks, BOM, word joiners). */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/u;

function hex(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Replaces every character no bundled font has a glyph for with U+FFFD (never
 * an empty .notdef box or a host font's glyph) and reports which ones.
 */
export function sanitizeText(input: string): SanitizedText {
  const replaced = new Set<string>();
  let out = '';
  for (const ch of input.replace(/\r\n?/g, '\n').replace(/\t/g, ' ')) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || ch === ' ') out += ch;
    else if (CONTROL.test(ch)) {
      replaced.add(hex(cp));
      out += REPLACEMENT_CHARACTER;
    } else if (hasBundledGlyph(cp)) out += ch;
    else if (INVISIBLE.test(ch)) continue;
    else {
      replaced.add(hex(cp));
      out += REPLACEMENT_CHARACTER;
    }
  }
  return { text: out, replaced: [...replaced] };
}
