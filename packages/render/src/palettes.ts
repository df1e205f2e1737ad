import type { ThemeName } from '@vidgen/core';

/** Colours as #rrggbb. Every text colour reads at WCAG contrast >= 4.5:1 on both background stops and on the surface (palettes.test.ts). */
export interface Palette {
  /** Background gradient, top-left to bottom-right. */
  background: [string, string];
  /** Cards and panels drawn over the background. */
  surface: string;
  text: string;
  muted: string;
  /** Headings' underline, markers, numbers, chart bars; also used as a text colour. */
  accent: string;
  /** Text drawn on an accent fill (step numbers). */
  onAccent: string;
  /** Chart series (pie slices); the first is the accent. */
  series: string[];
}

export const PALETTES: Readonly<Record<ThemeName, Palette>> = Object.freeze({
  dark: {
    background: ['#0b1220', '#1a2540'],
    surface: '#1d2942',
    text: '#f8fafc',
    muted: '#b6c2d4',
    accent: '#4cc3f7',
    onAccent: '#0b1220',
    series: ['#4cc3f7', '#a78bfa', '#f472b6', '#fbbf24', '#34d399', '#fb7185'],
  },
  light: {
    background: ['#f8fafc', '#e3e9f2'],
    surface: '#ffffff',
    text: '#0f172a',
    muted: '#475569',
    accent: '#4338ca',
    onAccent: '#ffffff',
    series: ['#4338ca', '#0e7490', '#be185d', '#b45309', '#15803d', '#7c3aed'],
  },
  ocean: {
    background: ['#062a3e', '#0b4a63'],
    surface: '#0d3b52',
    text: '#f0f9ff',
    muted: '#b9dcec',
    accent: '#5eead4',
    onAccent: '#062a3e',
    series: ['#5eead4', '#7dd3fc', '#fcd34d', '#f9a8d4', '#a5b4fc', '#86efac'],
  },
  sand: {
    background: ['#fbf6ec', '#efe3cb'],
    surface: '#fffdf8',
    text: '#33281b',
    muted: '#65543f',
    accent: '#9a3412',
    onAccent: '#ffffff',
    series: ['#9a3412', '#0f766e', '#a16207', '#9d174d', '#3f6212', '#1e40af'],
  },
});

export function paletteFor(theme: ThemeName): Palette {
  // Theme names are validated by the job schema; an unknown one falls back rather than throwing mid-render.
  return Object.hasOwn(PALETTES, theme) ? PALETTES[theme] : PALETTES.dark;
}

/** [r, g, b] 0..255 from #rrggbb. */
export function parseHex(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** WCAG 2.x relative luminance. */
export function relativeLuminance(hex: string): number {
  const [r, g, b] = parseHex(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio, 1..21. */
export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(a);
  const lb = relativeLuminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** #rrggbb with an alpha as rgba(): for translucent fills. */
export function withAlpha(hex: string, alpha: number): string {
  const [r, g, b] = parseHex(hex);
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}
