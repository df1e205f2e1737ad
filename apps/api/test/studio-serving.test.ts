import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { securityHeaders } from '../src/middleware/security-headers';
import { createStudioHandler, mediaOrigin, studioCsp } from '../src/studio';

/** The studio's static serving: which paths it answers, with which caching and which CSP (no Redis, no browser). */

let dir: string;
let app: express.Express;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-studio-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>studio</title><script type="module" src="/assets/index-abc.js"></script>');
  await writeFile(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
  app = express();
  app.use(securityHeaders());
  app.use(createStudioHandler({ dir, mediaOrigins: ['https://media.example.com'] }));
  app.use((_req, res) => void res.status(404).json({ error: { code: 'NOT_FOUND' } }));
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('createStudioHandler', () => {
  it.each(['/', '/new', '/jobs', '/jobs/6f1c1d5e-4a8b-4c1e-9a3f-2b7c8d9e0f1a'])('answers %s with index.html, revalidated, under the studio CSP', async (p) => {
    const res = await request(app).get(p);
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toBe(studioCsp(['https://media.example.com']));
  });

  it('serves hashed assets for a year', async () => {
    const res = await request(app).get('/assets/index-abc.js');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it.each(['/api/v1/anything', '/jobs/not-a-job', '/docs', '/health', '/favicon.ico', '/assets/../index.html', '/assets/missing.js'])('leaves %s to the API (its 404 under the API CSP)', async (p) => {
    const res = await request(app).get(p);
    expect(res.status).toBe(404);
    expect(res.type).toBe('application/json');
    if (!p.startsWith('/assets/')) expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
  });

  it('answers no other method', async () => {
    expect((await request(app).post('/').send({})).status).toBe(404);
  });
});

describe('studioCsp', () => {
  it('allows only its own scripts and styles, and media from the media origin and blob:', () => {
    const csp = studioCsp(['https://cdn.example.com']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self';");
    expect(csp).toContain("media-src 'self' blob: https://cdn.example.com");
    expect(csp).toContain("connect-src 'self' https://cdn.example.com");
    expect(csp).toContain("img-src 'self' https://cdn.example.com");
    expect(csp).not.toMatch(/unsafe-|\*|data:/);
  });
});

describe('mediaOrigin', () => {
  const base = { bucket: 'videos', region: 'eu-west-1', forcePathStyle: false };
  it('is the CDN when there is one', () => {
    expect(mediaOrigin({ ...base, endpoint: 'http://minio:9000', cdnBaseUrl: 'https://cdn.example.com/videos/' })).toBe('https://cdn.example.com');
  });
  it('is the public endpoint before the internal one, path-style', () => {
    expect(mediaOrigin({ ...base, forcePathStyle: true, endpoint: 'http://minio:9000', publicEndpoint: 'https://media.example.com:8443/' })).toBe('https://media.example.com:8443');
    expect(mediaOrigin({ ...base, forcePathStyle: true, endpoint: 'http://127.0.0.1:4569' })).toBe('http://127.0.0.1:4569');
  });
  it('puts the bucket in the host with virtual-hosted addressing (AWS by default)', () => {
    expect(mediaOrigin(base)).toBe('https://videos.s3.eu-west-1.amazonaws.com');
    expect(mediaOrigin({ ...base, endpoint: 'https://storage.example.com' })).toBe('https://videos.storage.example.com');
  });
});
