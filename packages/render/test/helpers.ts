import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createCanvas } from '@napi-rs/canvas';
import { safeArea } from '../src/geometry';

/** Rec. 601 luma of pixel i (rgba). */
export function luma(buf: Buffer, i: number): number {
  return 0.299 * buf[i * 4]! + 0.587 * buf[i * 4 + 1]! + 0.114 * buf[i * 4 + 2]!;
}

/** Pixels outside the 5% safe area that differ from the reference frame. */
export function outsideSafeDiffs(frame: Buffer, reference: Buffer, width: number, height: number): number {
  const safe = safeArea(width, height);
  let n = 0;
  for (let y = 0; y < height; y++) {
    const inRows = y >= safe.y && y < safe.y + safe.h;
    for (let x = 0; x < width; x++) {
      if (inRows && x >= safe.x && x < safe.x + safe.w) {
        x = safe.x + safe.w - 1;
        continue;
      }
      const i = (y * width + x) * 4;
      if (frame[i] !== reference[i] || frame[i + 1] !== reference[i + 1] || frame[i + 2] !== reference[i + 2]) n++;
    }
  }
  return n;
}

export function differingPixels(a: Buffer, b: Buffer): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 4) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) n++;
  return n;
}

/** Sum of absolute channel differences: how far apart two pictures are. */
export function absDiff(a: Buffer, b: Buffer): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) n += Math.abs(a[i]! - b[i]!);
  return n;
}

export function writePng(file: string, rgba: Buffer, width: number, height: number): void {
  const c = createCanvas(width, height);
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(width, height);
  img.data.set(rgba);
  ctx.putImageData(img, 0, 0);
  writeFileSync(file, c.encodeSync('png'));
}

let dir: string | undefined;

/** OCR of a frame with the real tesseract; throws (never skips) when the language pack is missing. */
export function ocr(rgba: Buffer, width: number, height: number, lang: 'eng' | 'ara' | 'heb' | 'chi_sim', psm?: number): string {
  const langs = execFileSync('tesseract', ['--list-langs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (!langs.split(/\s+/).includes(lang)) throw new Error(`tesseract has no '${lang}' language pack (.ci/run installs tesseract-ocr-ara, -heb, -chi-sim)`);
  dir ??= mkdtempSync(path.join(tmpdir(), 'vidgen-render-ocr-'));
  const file = path.join(dir, `frame-${Date.now()}-${Math.random().toString(36).slice(2)}.png`);
  writePng(file, rgba, width, height);
  return execFileSync('tesseract', [file, '-', '-l', lang, ...(psm !== undefined ? ['--psm', String(psm)] : [])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Lower-case, without whitespace (tesseract sometimes drops or adds a space between words): for containment checks. */
export function norm(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '');
}
