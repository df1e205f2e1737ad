import { createCanvas } from '@napi-rs/canvas';

/** Encodes a width × height rgba frame (what a painter returns) as PNG. */
export function rgbaToPng(width: number, height: number, rgba: Buffer): Buffer {
  const c = createCanvas(width, height);
  const ctx = c.getContext('2d');
  const img = ctx.createImageData(width, height);
  img.data.set(rgba);
  ctx.putImageData(img, 0, 0);
  return c.encodeSync('png');
}
