import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

/**
 * The studio is served by the API at `/` under a strict Content-Security-Policy:
 * no inline script or style, so the build emits only files (no inlined assets),
 * and hls.js stays a chunk of its own, loaded when a video is played.
 */
export default defineConfig({
  plugins: [preact({ prefreshEnabled: false, devToolsEnabled: false })],
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: true,
    // hls.js (~580 kB, ~180 kB gzipped) is a lazy chunk of its own; the app's budget is checked by test/bundle-size.test.ts.
    chunkSizeWarningLimit: 700,
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000' } },
});
