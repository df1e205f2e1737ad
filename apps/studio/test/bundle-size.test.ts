import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/**
 * The studio's budget: what a first visit loads (index.html, the entry script,
 * its static imports and the stylesheet) stays within 150 KB gzipped; hls.js
 * is a chunk of its own that only playing a video loads. Reads the build that
 * `pnpm build` made (apps/studio/dist).
 */

const DIST = path.resolve(__dirname, '../dist');
const BUDGET_BYTES = 150 * 1024;

const gzipped = async (file: string) => gzipSync(await readFile(path.join(DIST, file)), { level: 9 }).length;

it('loads at most 150 KB gzipped before a video plays, hls.js apart', async () => {
  const html = await readFile(path.join(DIST, 'index.html'), 'utf8');
  const assets = await readdir(path.join(DIST, 'assets'));
  const hls = assets.filter((f) => /^hls-.*\.js$/.test(f));
  expect(hls).toHaveLength(1);
  // What the page loads up front: every asset index.html names (scripts, modulepreloads, styles, icon).
  const upfront = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
  expect(upfront.some((f) => f.endsWith('.js'))).toBe(true);
  expect(upfront.some((f) => f.includes('/hls-'))).toBe(false);
  // The entry imports hls.js only dynamically: no static `import … from "./hls-…"` in any up-front script.
  for (const file of upfront.filter((f) => f.endsWith('.js'))) {
    const code = await readFile(path.join(DIST, file), 'utf8');
    expect(/import\s*[^()]*?from\s*["'`]\.\/hls-/.test(code)).toBe(false);
    expect(/import\(["'`]\.\/hls-[^"'`]+\.js["'`]\)/.test(code)).toBe(true);
  }
  const sizes = Object.fromEntries(await Promise.all(['index.html', ...upfront].map(async (f) => [f, await gzipped(f)] as const)));
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  const hlsBytes = await gzipped(`assets/${hls[0]}`);
  process.stdout.write(`studio bundle (gzip -9 bytes): ${JSON.stringify({ upfront: sizes, total, budget: BUDGET_BYTES, hls_chunk: hlsBytes })}\n`);
  expect(total).toBeLessThanOrEqual(BUDGET_BYTES);
});
