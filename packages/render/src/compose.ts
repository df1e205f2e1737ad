/**
 * Whole-frame pixel operations on rgba buffers (width*height*4 bytes), in
 * JavaScript rather than on a Skia canvas: reading a 1280×720 canvas back
 * (canvas.data()) costs ~8 ms of CPU, several times a memcpy, so pictures the
 * painter already holds as pixels are mixed and moved here instead of being
 * drawn and read back again. Opaque pictures only (every frame is): alpha
 * stays 255. Pure functions of their inputs; `out` may not alias an input
 * except where stated.
 */

export interface Frame {
  width: number;
  height: number;
}

const words = (b: Buffer): Uint32Array => new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2);

/**
 * out = a·(1−e) + b·e per channel, e in 0..1 quantised to 1/256: two
 * channels per 32-bit multiply. A mix of two opaque pictures is never darker
 * than the darker of them (no dip).
 */
export function crossfade(a: Buffer, b: Buffer, e: number, out: Buffer): void {
  const w = Math.max(0, Math.min(256, Math.round(e * 256)));
  if (w === 0) return void a.copy(out);
  if (w === 256) return void b.copy(out);
  const iw = 256 - w;
  const A = words(a);
  const B = words(b);
  const O = words(out);
  // +0x80 per channel: round to nearest rather than down.
  for (let i = 0; i < O.length; i++) {
    const p = A[i]!;
    const q = B[i]!;
    const rb = ((((p & 0xff00ff) * iw + (q & 0xff00ff) * w + 0x800080) >>> 8) & 0xff00ff) >>> 0;
    const ga = (((((p >>> 8) & 0xff00ff) * iw + ((q >>> 8) & 0xff00ff) * w + 0x800080) & 0xff00ff00) >>> 0) >>> 0;
    O[i] = (rb | ga) >>> 0;
  }
}

/** The outgoing picture moves `offset` whole pixels left and the incoming one follows it in from the right. */
export function pushLeft(f: Frame, outgoing: Buffer, incoming: Buffer, offset: number, out: Buffer): void {
  const { width, height } = f;
  const off = Math.max(0, Math.min(width, Math.round(offset)));
  const row = width * 4;
  for (let y = 0; y < height; y++) {
    const r = y * row;
    outgoing.copy(out, r, r + off * 4, r + row);
    incoming.copy(out, r + (width - off) * 4, r, r + off * 4);
  }
}

/** The incoming picture slides up over the outgoing one; its top edge at row height − offset. */
export function slideUp(f: Frame, outgoing: Buffer, incoming: Buffer, offset: number, out: Buffer): void {
  const { width, height } = f;
  const off = Math.max(0, Math.min(height, Math.round(offset)));
  const row = width * 4;
  outgoing.copy(out, 0, 0, (height - off) * row);
  incoming.copy(out, (height - off) * row, 0, off * row);
}

/** The incoming picture left of column `edge`, the outgoing one right of it, and a bar of `bar` columns of `rgb` ending at the edge. */
export function wipe(f: Frame, outgoing: Buffer, incoming: Buffer, edge: number, bar: number, rgb: readonly [number, number, number], out: Buffer): void {
  const { width, height } = f;
  const e = Math.max(0, Math.min(width, Math.round(edge)));
  const row = width * 4;
  for (let y = 0; y < height; y++) {
    const r = y * row;
    incoming.copy(out, r, r, r + e * 4);
    outgoing.copy(out, r + e * 4, r + e * 4, r + row);
  }
  fillRect(f, out, e - bar, 0, bar, height, rgb, 1);
}

/**
 * Fills columns [x, x+w) of rows [y, y+h) with `rgb`; a fractional right
 * edge covers its last column partly (mixed by coverage), as Skia's
 * antialiased fillRect does. In place.
 */
export function fillRect(f: Frame, buf: Buffer, x: number, y: number, w: number, h: number, rgb: readonly [number, number, number], coverageOfLast = 1): void {
  const { width, height } = f;
  const x0 = Math.max(0, Math.round(x));
  const x1 = Math.min(width, Math.round(x + w));
  const y0 = Math.max(0, Math.round(y));
  const y1 = Math.min(height, Math.round(y + h));
  const [r, g, b] = rgb;
  for (let yy = y0; yy < y1; yy++) {
    let i = (yy * width + x0) * 4;
    for (let xx = x0; xx < x1; xx++, i += 4) {
      const c = xx === x1 - 1 ? coverageOfLast : 1;
      buf[i] = c === 1 ? r : Math.round(buf[i]! + (r - buf[i]!) * c);
      buf[i + 1] = c === 1 ? g : Math.round(buf[i + 1]! + (g - buf[i + 1]!) * c);
      buf[i + 2] = c === 1 ? b : Math.round(buf[i + 2]! + (b - buf[i + 2]!) * c);
      buf[i + 3] = 255;
    }
  }
}

/** A progress bar `h` rows high along the bottom edge, `fraction` of the width (its last column by coverage). In place. */
export function progressBar(f: Frame, buf: Buffer, fraction: number, h: number, rgb: readonly [number, number, number]): void {
  const w = f.width * Math.max(0, Math.min(1, fraction));
  const whole = Math.floor(w);
  const part = w - whole;
  // Whole columns solid; the partial one (if any) mixed by how much of it the bar covers.
  if (part > 0) fillRect(f, buf, 0, f.height - h, whole + 1, h, rgb, part);
  else fillRect(f, buf, 0, f.height - h, whole, h, rgb, 1);
}
