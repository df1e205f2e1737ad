import type { QualityPreset } from '@vidgen/core';
import { escapeFilterValue } from './escape';

/**
 * Greedy word wrap by character budget. Words longer than a line are split.
 * Pure: used to lay out title-card text before it is written to a file.
 */
export function wrapText(text: string, maxChars: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.replace(/\r\n?/g, '\n').split('\n')) {
    const words = paragraph.split(/[ \t]+/).filter(Boolean);
    let line = '';
    for (let word of words) {
      while (word.length > maxChars) {
        if (line) {
          lines.push(line);
          line = '';
        }
        lines.push(word.slice(0, maxChars));
        word = word.slice(maxChars);
      }
      if (!line) line = word;
      else if (line.length + 1 + word.length <= maxChars) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
    }
    if (line) lines.push(line);
  }
  return lines;
}

/** Keeps at most `max` lines, marking a cut with an ellipsis (the layout budget leaves room for it). */
export function limitLines(lines: string[], max: number): string[] {
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, Math.max(0, max));
  if (kept.length > 0) kept[kept.length - 1] = `${kept[kept.length - 1]!.trimEnd()}…`;
  return kept;
}

export interface TitleCardLayout {
  titleLines: string[];
  bodyLines: string[];
  titleFontSize: number;
  bodyFontSize: number;
  titleY: number;
  bodyY: number;
  lineSpacing: number;
}

/** DejaVu Sans glyphs average about 0.6 em; a conservative budget keeps text inside the safe area. */
const EM_PER_CHAR = 0.62;
/** The 5% safe area on every side. */
export const SAFE_MARGIN = 0.05;

export function layoutTitleCard(topic: string, context: string | undefined, preset: Pick<QualityPreset, 'width' | 'height'>): TitleCardLayout {
  const { width, height } = preset;
  const usableWidth = width * (1 - 2 * SAFE_MARGIN);
  const top = Math.round(height * SAFE_MARGIN);
  const bottom = Math.round(height * (1 - SAFE_MARGIN));
  const titleFontSize = Math.round(height * 0.075);
  const bodyFontSize = Math.round(height * 0.042);
  const lineSpacing = Math.round(bodyFontSize * 0.35);
  const titleChars = Math.max(8, Math.floor(usableWidth / (titleFontSize * EM_PER_CHAR)));
  const bodyChars = Math.max(8, Math.floor(usableWidth / (bodyFontSize * EM_PER_CHAR)));
  const titleLines = limitLines(wrapText(topic, titleChars), 3);
  const titleY = top + Math.round(height * 0.08);
  const titleHeight = titleLines.length * (titleFontSize + lineSpacing);
  const bodyY = titleY + titleHeight + Math.round(height * 0.06);
  const bodyMax = Math.max(0, Math.floor((bottom - bodyY) / (bodyFontSize + lineSpacing)));
  const bodyLines = context ? limitLines(wrapText(context, bodyChars), bodyMax) : [];
  return { titleLines, bodyLines, titleFontSize, bodyFontSize, titleY, bodyY, lineSpacing };
}

export interface TitleCardArgsOptions {
  preset: QualityPreset;
  durationSeconds: number;
  layout: TitleCardLayout;
  titleFile: string;
  bodyFile: string | null;
  fontFile: string;
  boldFontFile: string;
  output: string;
  background?: string;
  foreground?: string;
  accent?: string;
}

/**
 * ffmpeg arguments for a title card: colour background, title and body drawn
 * from text files (expansion=none, so `%{…}` and friends stay literal), a fade
 * in and out, a silent stereo AAC track, H.264 yuv420p with +faststart.
 * Pure: unit-testable without running ffmpeg.
 */
export function buildTitleCardArgs(options: TitleCardArgsOptions): string[] {
  const { preset, durationSeconds: d, layout, titleFile, bodyFile, fontFile, boldFontFile, output } = options;
  const { background = '0x101826', foreground = '0xF5F7FA', accent = '0x5EC8F2' } = options;
  const { width: w, height: h, fps } = preset;
  const fade = Math.min(0.5, d / 4);
  const safeX = Math.round(w * SAFE_MARGIN);
  const draw = (file: string, font: string, size: number, y: number, color: string) =>
    [
      `drawtext=fontfile=${escapeFilterValue(font)}`,
      `textfile=${escapeFilterValue(file)}`,
      'expansion=none',
      `fontsize=${size}`,
      `fontcolor=${color}`,
      `line_spacing=${layout.lineSpacing}`,
      `x=max(${safeX}\\,(w-text_w)/2)`,
      `y=${y}`,
    ].join(':');
  const filters = [draw(titleFile, boldFontFile, layout.titleFontSize, layout.titleY, foreground)];
  const ruleY = layout.bodyY - Math.round(h * 0.03);
  filters.push(`drawbox=x=${Math.round(w * 0.4)}:y=${ruleY}:w=${Math.round(w * 0.2)}:h=${Math.max(2, Math.round(h * 0.005))}:color=${accent}:t=fill`);
  if (bodyFile) filters.push(draw(bodyFile, fontFile, layout.bodyFontSize, layout.bodyY, foreground));
  filters.push(`fade=t=in:st=0:d=${fade}`, `fade=t=out:st=${(d - fade).toFixed(3)}:d=${fade}`, 'format=yuv420p');
  return [
    '-f', 'lavfi', '-i', `color=c=${background}:s=${w}x${h}:r=${fps}:d=${d}`,
    '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo',
    '-filter_complex', `[0:v]${filters.join(',')}[v]`,
    '-map', '[v]', '-map', '1:a',
    '-t', String(d),
    '-c:v', 'libx264', '-preset', preset.x264Preset, '-crf', String(preset.crf),
    '-pix_fmt', 'yuv420p', '-r', String(fps), '-g', String(fps * 2),
    '-c:a', 'aac', '-b:a', `${preset.audioBitrateKbps}k`, '-ac', '2', '-ar', '48000',
    '-movflags', '+faststart',
    output,
  ];
}
