import { bytesPerPixel, crossfade, fillRect, fromRgba, pixelBytes, progressBar, pushLeft, slideUp, wipe } from '../src/compose';

/** A w×h opaque picture whose pixel (x, y) is [r, g, b] = f(x, y). */
function picture(w: number, h: number, f: (x: number, y: number) => [number, number, number]): Buffer {
  const b = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, bl] = f(x, y);
      b.set([r, g, bl, 255], (y * w + x) * 4);
    }
  return b;
}
const px = (b: Buffer, w: number, x: number, y: number) => [...b.subarray((y * w + x) * 4, (y * w + x) * 4 + 4)];

describe('compose', () => {
  const f = { width: 4, height: 3, bpp: 4 };
  const a = picture(4, 3, (x, y) => [x * 60, y * 100, 255]);
  const b = picture(4, 3, () => [200, 10, 0]);

  it('crossfade: the first picture at 0, the second at 1, the rounded mix between, never below the darker', () => {
    const out = Buffer.alloc(a.length);
    crossfade(a, b, 0, out);
    expect(out.equals(a)).toBe(true);
    crossfade(a, b, 1, out);
    expect(out.equals(b)).toBe(true);
    crossfade(a, b, 0.25, out);
    for (let i = 0; i < out.length; i++) {
      const expected = i % 4 === 3 ? 255 : Math.round(a[i]! * 0.75 + b[i]! * 0.25);
      expect(Math.abs(out[i]! - expected)).toBeLessThanOrEqual(1);
      expect(out[i]!).toBeGreaterThanOrEqual(Math.min(a[i]!, b[i]!));
      expect(out[i]!).toBeLessThanOrEqual(Math.max(a[i]!, b[i]!));
    }
  });

  it('push_left: the outgoing picture shifted left by the offset, the incoming one following', () => {
    const out = Buffer.alloc(a.length);
    pushLeft(f, a, b, 1, out);
    expect(px(out, 4, 0, 1)).toEqual(px(a, 4, 1, 1));
    expect(px(out, 4, 2, 2)).toEqual(px(a, 4, 3, 2));
    expect(px(out, 4, 3, 0)).toEqual(px(b, 4, 0, 0));
  });

  it('slide_up: the incoming picture\'s top rows at the bottom', () => {
    const out = Buffer.alloc(a.length);
    slideUp(f, a, picture(4, 3, (_x, y) => [0, 0, y]), 1, out);
    expect(px(out, 4, 1, 0)).toEqual(px(a, 4, 1, 0));
    expect(px(out, 4, 1, 1)).toEqual(px(a, 4, 1, 1));
    expect(px(out, 4, 1, 2)).toEqual([0, 0, 0, 255]);
  });

  it('wipe: incoming left of the edge, outgoing right of it, the bar ending at the edge', () => {
    const out = Buffer.alloc(a.length);
    wipe(f, a, b, 3, 1, [1, 2, 3, 255], out);
    expect(px(out, 4, 0, 0)).toEqual(px(b, 4, 0, 0));
    expect(px(out, 4, 1, 0)).toEqual(px(b, 4, 1, 0));
    expect(px(out, 4, 2, 1)).toEqual([1, 2, 3, 255]);
    expect(px(out, 4, 3, 2)).toEqual(px(a, 4, 3, 2));
  });

  it('fillRect and the progress bar: whole columns solid, a partial last column mixed by coverage', () => {
    const buf = picture(4, 3, () => [0, 0, 0]);
    progressBar(f, buf, 0.375, 1, [200, 100, 40, 255]);
    // 1.5 columns: the first solid, the second half covered, rows above untouched.
    expect(px(buf, 4, 0, 2)).toEqual([200, 100, 40, 255]);
    expect(px(buf, 4, 1, 2)).toEqual([100, 50, 20, 255]);
    expect(px(buf, 4, 2, 2)).toEqual([0, 0, 0, 255]);
    expect(px(buf, 4, 0, 1)).toEqual([0, 0, 0, 255]);
    fillRect(f, buf, -2, 0, 3, 1, [9, 9, 9, 255]);
    expect(px(buf, 4, 0, 0)).toEqual([9, 9, 9, 255]);
    expect(px(buf, 4, 1, 0)).toEqual([0, 0, 0, 255]);
  });

  it('bgr24: three bytes a pixel in blue, green, red order; moves and mixes work on them alike', () => {
    const rgba = picture(4, 3, (x, y) => [x * 60, y * 100, 7]);
    const bgr = Buffer.alloc(4 * 3 * 3);
    fromRgba(rgba, 'bgr24', bgr, 0);
    expect([...bgr.subarray(3 * 5, 3 * 6)]).toEqual([7, 100, 60]);
    // Word-wise (aligned, four pixels at a time) and byte-wise (an odd offset) agree with the plain shuffle.
    // Buffer.alloc: its own memory at offset 0 (Buffer.from may sit at any offset of a shared pool).
    const random = Buffer.alloc(4 * 13);
    random.set(Array.from({ length: 4 * 13 }, (_, i) => (i * 151 + 7) % 256));
    const plain = Buffer.alloc(3 * 13);
    for (let p = 0; p < 13; p++) plain.set([random[p * 4 + 2]!, random[p * 4 + 1]!, random[p * 4]!], p * 3);
    const wordwise = Buffer.alloc(3 * 13 + 8);
    fromRgba(random, 'bgr24', wordwise, 4);
    expect(wordwise.subarray(4, 4 + 3 * 13).equals(plain)).toBe(true);
    const bytewise = Buffer.alloc(3 * 13 + 8);
    fromRgba(random, 'bgr24', bytewise, 3);
    expect(bytewise.subarray(3, 3 + 3 * 13).equals(plain)).toBe(true);
    expect(pixelBytes('bgr24', [1, 2, 3])).toEqual([3, 2, 1]);
    expect(bytesPerPixel('bgr24')).toBe(3);
    const f3 = { width: 4, height: 3, bpp: 3 };
    const other = Buffer.alloc(bgr.length, 200);
    const out = Buffer.alloc(bgr.length);
    pushLeft(f3, bgr, other, 1, out);
    expect([...out.subarray(0, 3)]).toEqual([...bgr.subarray(3, 6)]);
    expect([...out.subarray(9, 12)]).toEqual([200, 200, 200]);
    // 36 bytes: whole words; an odd-length slice takes the byte-at-a-time path and must agree.
    crossfade(bgr, other, 0.5, out);
    const odd = Buffer.alloc(35);
    crossfade(bgr.subarray(0, 35), other.subarray(0, 35), 0.5, odd);
    expect(odd.equals(out.subarray(0, 35))).toBe(true);
    progressBar(f3, out, 0.5, 1, [1, 2, 3]);
    // Row 2 (pixels 8..11): the first two columns.
    expect([...out.subarray(3 * 8, 3 * 10)]).toEqual([1, 2, 3, 1, 2, 3]);
    expect([...out.subarray(3 * 10, 3 * 11)]).not.toEqual([1, 2, 3]);
  });
});
