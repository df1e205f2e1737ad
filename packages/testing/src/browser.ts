import { existsSync } from 'node:fs';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/**
 * Kept out of the index (import @vidgen/testing/browser): only the browser tests load playwright-core.
 *
 * The browser test tier: Debian's chromium (tools/ci/install-browser.sh puts
 * it there), driven by playwright-core. Nothing is ever downloaded: a missing
 * browser fails the test with the command that installs it.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Muted media may start without a user gesture; the tests call play() themselves.
  '--autoplay-policy=no-user-gesture-required',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts chromium with a fresh profile (its own --user-data-dir, removed on close). */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No browser at ${CHROMIUM_PATH}: run tools/ci/install-browser.sh (as root), or set CHROMIUM_PATH.`);
  }
  const profile = await mkdtemp(path.join(os.tmpdir(), 'vidgen-chromium-'));
  // launchPersistentContext passes --user-data-dir itself; headless is in the args, as Debian's chromium expects.
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      await rm(profile, { recursive: true, force: true });
    },
  };
}

export interface StaticSite {
  /** http://127.0.0.1:<port>: an origin other than the API's. */
  origin: string;
  close(): Promise<void>;
}

/** A tiny static server: each path maps to a file on disk or a literal body. */
export async function serveStatic(files: Record<string, { type: string; file?: string; body?: string }>): Promise<StaticSite> {
  const server = http.createServer((req, res) => {
    const entry = files[new URL(req.url ?? '/', 'http://x').pathname];
    if (!entry) {
      res.statusCode = 404;
      return void res.end();
    }
    void (async () => {
      const body = entry.body ?? (await readFile(entry.file!));
      res.setHeader('Content-Type', entry.type);
      res.setHeader('Cache-Control', 'no-store');
      res.end(body);
    })().catch(() => {
      // A file that is not there: answer, so the test fails on the status, not on a timeout.
      res.statusCode = 500;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
