/**
 * Whole-frame pixel operations on packed pixel buffers (width*height*bpp
 * bytes: rgba, or bgr24 as the units pipe them), in JavaScript rather than on
 * a Skia canvas: reading a 1280×720 canvas back (canvas.data()) costs ~8 ms
 * of CPU, several times a memcpy, so pictures the painter already holds as
 * pixels are mixed and moved here instead of being drawn and read back
 * again. Opaque pictures only (every frame is). Pure functions of their
 * inputs; `out` may not alias an input except where stated.
 */

export interface Frame {
  width: number;
  height: number;
  /** Bytes per pixel: 4 (rgba) or 3 (bgr24). */
  bpp: number;
}

const words = (b: Buffer): Uint32Array => new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);

/**
 * out = a·(1−e) + b·e per byte (every byte is a channel), e in 0..1
 * quantised to 1/256: two channels per 32-bit multiply. A mix of two opaque
 * pictures is never darker than the darker of them (no dip).
 */
export function crossfade(a: Buffer, b: Buffer, e: number, out: Buffer): void {
  const w = Math.max(0, Math.min(256, Math.round(e * 256)));
  if (w === 0) return void a.copy(out);
  if (w === 256) return void b.copy(out);
  const iw = 256 - w;
  // Word access needs 4-byte alignment; the bytes left over (or a misaligned buffer) go one at a time.
  const aligned = a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0 && out.byteOffset % 4 === 0;
  const whole = aligned ? out.length >>> 2 : 0;
  for (let i = whole * 4; i < out.length; i++) out[i] = (a[i]! * iw + b[i]! * w + 128) >>> 8;
  if (whole === 0) return;
  const A = words(a);
  const B = words(b);
  const O = words(out);
  // +0x80 per channel: round to nearest rather than down.
  for (let i = 0; i < whole; i++) {
    const p = A[i]!;
    const q = B[i]!;
    // Where both pictures agree (the shared background, mostly) the mix is that value: no multiplies.
    if (p === q) {
      O[i] = p;
      continue;
    }
    const rb = ((((p & 0xff00ff) * iw + (q & 0xff00ff) * w + 0x800080) >>> 8) & 0xff00ff) >>> 0;
    const ga = (((((p >>> 8) & 0xff00ff) * iw + ((q >>> 8) & 0xff00ff) * w + 0x800080) & 0xff00ff00) >>> 0) >>> 0;
    O[i] = (rb | ga) >>> 0;
  }
}

/** The outgoing picture moves `offset` whole pixels left and the incoming one follows it in from the right. */
export function pushLeft(f: Frame, outgoing: Buffer, incoming: Buffer, offset: number, out: Buffer): void {
  const { width, height, bpp } = f;
  const off = Math.max(0, Math.min(width, Math.round(offset)));
  const row = width * bpp;
  for (let y = 0; y < height; y++) {
    const r = y * row;
    outgoing.copy(out, r, r + off * bpp, r + row);
    incoming.copy(out, r + (width - off) * bpp, r, r + off * bpp);
  }
}

/** The incoming picture slides up over the outgoing one; its top edge at row height − offset. */
export function slideUp(f: Frame, outgoing: Buffer, incoming: Buffer, offset: number, out: Buffer): void {
  const { width, height, bpp } = f;
  const off = Math.max(0, Math.min(height, Math.round(offset)));
  const row = width * bpp;
  outgoing.copy(out, 0, 0, (height - off) * row);
  incoming.copy(out, (height - off) * row, 0, off * row);
}

/** The incoming picture left of column `edge`, the outgoing one right of it, and a bar of `bar` columns of `color` ending at the edge. */
export function wipe(f: Frame, outgoing: Buffer, incoming: Buffer, edge: number, bar: number, color: readonly number[], out: Buffer): void {
  const { width, height, bpp } = f;
  const e = Math.max(0, Math.min(width, Math.round(edge)));
  const row = width * bpp;
  for (let y = 0; y < height; y++) {
    const r = y * row;
    incoming.copy(out, r, r, r + e * bpp);
    outgoing.copy(out, r + e * bpp, r + e * bpp, r + row);
  }
  fillRect(f, out, e - bar, 0, bar, height, color, 1);
}

/**
 * Fills columns [x, x+w) of rows [y, y+h) with `color` (one byte per byte of
 * a pixel, in the buffer's order); a fractional right edge covers its last
 * column partly (mixed by coverage), as Skia's antialiased fillRect does. In
 * place.
 */
export function fillRect(f: Frame, buf: Buffer, x: number, y: number, w: number, h: number, color: readonly number[], coverageOfLast = 1): void {
  const { width, height, bpp } = f;
  const x0 = Math.max(0, Math.round(x));
  const x1 = Math.min(width, Math.round(x + w));
  const y0 = Math.max(0, Math.round(y));
  const y1 = Math.min(height, Math.round(y + h));
  for (let yy = y0; yy < y1; yy++) {
    let i = (yy * width + x0) * bpp;
    for (let xx = x0; xx < x1; xx++) {
      const c = xx === x1 - 1 ? coverageOfLast : 1;
      for (let k = 0; k < bpp; k++, i++) buf[i] = c === 1 ? color[k]! : Math.round(buf[i]! + (color[k]! - buf[i]!) * c);
    }
  }
}

/** A progress bar `h` rows high along the bottom edge, `fraction` of the width (its last column by coverage). In place. */
export function progressBar(f: Frame, buf: Buffer, fraction: number, h: number, color: readonly number[]): void {
  const w = f.width * Math.max(0, Math.min(1, fraction));
  const whole = Math.floor(w);
  const part = w - whole;
  // Whole columns solid; the partial one (if any) mixed by how much of it the bar covers.
  if (part > 0) fillRect(f, buf, 0, f.height - h, whole + 1, h, color, part);
  else fillRect(f, buf, 0, f.height - h, whole, h, color, 1);
}

/** Packed pixel layouts a painter can hand out: rgba as Skia stores it, or bgr24 (three bytes, no alpha), which ffmpeg converts to yuv420p about three times faster. */
export type PixelFormat = 'rgba' | 'bgr24';

export function bytesPerPixel(format: PixelFormat): number {
  return format === 'rgba' ? 4 : 3;
}

/** An opaque colour as the bytes of one pixel in `format`. */
export function pixelBytes(format: PixelFormat, [r, g, b]: readonly [number, number, number]): number[] {
  return format === 'rgba' ? [r, g, b, 255] : [b, g, r];
}

/**
 * Opaque rgba pixels (as Skia hands them out) into `out` at byte `at`, in
 * `format`: a copy for rgba, a byte shuffle for bgr24 (four pixels into three
 * 32-bit words where the buffers are aligned: three times fewer stores than
 * byte by byte, and this runs on every redrawn band).
 */
export function fromRgba(rgba: Uint8Array | Uint8ClampedArray, format: PixelFormat, out: Buffer, at: number): void {
  if (format === 'rgba') {
    out.set(rgba, at);
    return;
  }
  const pixels = rgba.length >>> 2;
  const aligned = rgba.byteOffset % 4 === 0 && (out.byteOffset + at) % 4 === 0;
  const quads = aligned ? pixels >>> 2 : 0;
  if (quads > 0) {
    const src = new Uint32Array(rgba.buffer, rgba.byteOffset, quads * 4);
    const dst = new Uint32Array(out.buffer, out.byteOffset + at, quads * 3);
    // Little-endian words: a source pixel is R | G<<8 | B<<16 | A<<24; bgr24 bytes B0 G0 R0 B1 | G1 R1 B2 G2 | R2 B3 G3 R3.
    for (let q = 0, i = 0, j = 0; q < quads; q++, i += 4, j += 3) {
      const p0 = src[i]!;
      const p1 = src[i + 1]!;
      const p2 = src[i + 2]!;
      const p3 = src[i + 3]!;
      dst[j] = ((p0 >>> 16) & 0xff) | (p0 & 0xff00) | ((p0 & 0xff) << 16) | (((p1 >>> 16) & 0xff) << 24);
      dst[j + 1] = ((p1 >>> 8) & 0xff) | ((p1 & 0xff) << 8) | (((p2 >>> 16) & 0xff) << 16) | (((p2 >>> 8) & 0xff) << 24);
      dst[j + 2] = (p2 & 0xff) | (((p3 >>> 16) & 0xff) << 8) | (p3 & 0xff00) << 8 | ((p3 & 0xff) << 24);
    }
  }
  for (let p = quads * 4, i = p * 4, j = at + p * 3; p < pixels; p++, i += 4, j += 3) {
    out[j] = rgba[i + 2]!;
    out[j + 1] = rgba[i + 1]!;
    out[j + 2] = rgba[i]!;
  }
}

/** The reverse of fromRgba for `into.length / 4` pixels of `buf` from byte `at`: opaque rgba. */
export function toRgba(buf: Buffer, format: PixelFormat, at: number, into: Uint8Array | Uint8ClampedArray): void {
  const pixels = into.length >>> 2;
  if (format === 'rgba') {
    into.set(buf.subarray(at, at + pixels * 4));
    return;
  }
  for (let p = 0, i = 0, j = at; p < pixels; p++, i += 4, j += 3) {
    into[i] = buf[j + 2]!;
    into[i + 1] = buf[j + 1]!;
    into[i + 2] = buf[j]!;
    into[i + 3] = 255;
  }
}
