import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';

/**
 * The studio's paths: its routes (answered with index.html, the page routes
 * itself) and its hashed build files. Nothing under /api, /health, /metrics,
 * /admin or /docs: those keep their own answers, 404s included.
 */
const STUDIO_ROUTES = /^\/(?:|new|jobs|jobs\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const STUDIO_ASSETS = /^\/assets\/[\w.-]+$/;

/** Where the deployment's media (signed S3 URLs or CDN URLs) is fetched from: the one third-party origin the studio may use. */
export interface MediaOriginOptions {
  endpoint?: string;
  publicEndpoint?: string;
  cdnBaseUrl?: string;
  bucket: string;
  region: string;
  forcePathStyle: boolean;
}

/**
 * The origin of the output URLs the API hands out (see createUrlSigner): the
 * CDN's, else the endpoint clients reach (S3_PUBLIC_ENDPOINT, else S3_ENDPOINT),
 * else AWS's regional endpoint; with virtual-hosted addressing the bucket is
 * part of the host.
 */
export function mediaOrigin(s3: MediaOriginOptions): string {
  if (s3.cdnBaseUrl) return new URL(s3.cdnBaseUrl).origin;
  const endpoint = new URL(s3.publicEndpoint ?? s3.endpoint ?? `https://s3.${s3.region}.amazonaws.com`);
  if (!s3.forcePathStyle) endpoint.hostname = `${s3.bucket}.${endpoint.hostname}`;
  return endpoint.origin;
}

/**
 * The studio's Content-Security-Policy: its own files only (no inline script or
 * style), the API on the same origin, media from `mediaOrigins`, and `blob:` for
 * the MediaSource URL hls.js gives the video element.
 */
export function studioCsp(mediaOrigins: readonly string[]): string {
  const media = mediaOrigins.join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' ${media}`,
    `media-src 'self' blob: ${media}`,
    `connect-src 'self' ${media}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export interface StudioOptions {
  /** The studio's build (apps/studio/dist): index.html and assets/. */
  dir: string;
  /** The origins media URLs point at besides the page's own (mediaOrigin; PUBLIC_BASE_URL's when the links use another host). */
  mediaOrigins: readonly string[];
}

/**
 * Serves the studio: hashed assets cached for a year, index.html revalidated on
 * every load, each under the studio's CSP (replacing the API's `default-src
 * 'none'`, on these paths only).
 */
export function createStudioHandler(options: StudioOptions): RequestHandler {
  const index = path.join(options.dir, 'index.html');
  const csp = studioCsp(options.mediaOrigins);
  const assets = express.static(options.dir, {
    index: false,
    redirect: false,
    fallthrough: true,
    setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=31536000, immutable'),
  });
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const isRoute = STUDIO_ROUTES.test(req.path);
    if (!isRoute && !STUDIO_ASSETS.test(req.path)) return next();
    res.setHeader('Content-Security-Policy', csp);
    if (!isRoute) return assets(req, res, next);
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, (err) => err && next(err));
  };
}

/** The studio's build directory when it has been built (`pnpm build`), else null. */
export function findStudioDir(): string | null {
  try {
    const dir = path.join(path.dirname(require.resolve('@vidgen/studio/package.json')), 'dist');
    return existsSync(path.join(dir, 'index.html')) ? dir : null;
  } catch {
    return null;
  }
}
