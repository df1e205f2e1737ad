import type { ThemeName } from '@vidgen/core';
import { fontPath, type FontName } from '@vidgen/ffmpeg';

/** Colours as ffmpeg 0xRRGGBB; fonts by file name in dejavu-fonts-ttf. */
export interface ThemeSpec {
  name: ThemeName;
  background: string;
  text: string;
  accent: string;
  font: FontName;
  boldFont: FontName;
}

export const THEMES: Readonly<Record<ThemeName, ThemeSpec>> = Object.freeze({
  dark: { name: 'dark', background: '0x101826', text: '0xF5F7FA', accent: '0x5EC8F2', font: 'DejaVuSans.ttf', boldFont: 'DejaVuSans-Bold.ttf' },
  light: { name: 'light', background: '0xF7F5EF', text: '0x1B1F24', accent: '0xC2410C', font: 'DejaVuSans.ttf', boldFont: 'DejaVuSans-Bold.ttf' },
  ocean: { name: 'ocean', background: '0x0B3C49', text: '0xF1FAFB', accent: '0xFFC857', font: 'DejaVuSans.ttf', boldFont: 'DejaVuSans-Bold.ttf' },
  sand: { name: 'sand', background: '0xF3E9D2', text: '0x2B2118', accent: '0x1D4E89', font: 'DejaVuSans.ttf', boldFont: 'DejaVuSans-Bold.ttf' },
});

export const DEFAULT_THEME: ThemeName = 'dark';

export interface ThemeFonts {
  regular: string;
  bold: string;
}

export function themeFontFiles(theme: ThemeSpec): ThemeFonts {
  return { regular: fontPath(theme.font), bold: fontPath(theme.boldFont) };
}
