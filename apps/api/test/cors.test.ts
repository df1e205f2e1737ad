import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig, loadConfigWithWarnings } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

const KEY = 'cors-owner-key-aaaa';
const auth = { Authorization: `Bearer ${KEY}` };
const quiet = () => createLogger({ service: 'api', format: 'json', stream: new PassThrough().resume() });

let env: TestEnv;
let open: RunningApi;
let listed: RunningApi;
let jobId: string;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `cors:${KEY}`, SIGNING_SECRET: 'c'.repeat(40) });
  open = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), quiet());
  listed = await startApi(loadConfig({ ...env.env, API_PORT: '0', CORS_ORIGINS: 'https://a.example, https://b.example' }), quiet());
  const res = await request(open.server).post('/api/v1/videos/generate').set(auth).send({ configuration: { topic: 'CORS', quality: 'low' } });
  expect(res.status).toBe(202);
  jobId = res.body.job_id;
});

afterAll(async () => {
  await open?.stop();
  await listed?.stop();
  await env?.cleanup();
});

const preflight = (api: RunningApi, path: string, method: string, headers: string, origin = 'https://page.example') =>
  request(api.server).options(path).set('Origin', origin).set('Access-Control-Request-Method', method).set('Access-Control-Request-Headers', headers);

describe('CORS (default CORS_ORIGINS=*)', () => {
  it.each([
    ['POST', '/api/v1/videos/generate', 'authorization, content-type, idempotency-key'],
    ['GET', '/api/v1/videos/jobs', 'authorization'],
    ['GET', '/api/v1/videos/jobs/00000000-0000-4000-8000-000000000000/events', 'last-event-id'],
    ['PATCH', '/api/v1/videos/jobs/00000000-0000-4000-8000-000000000000/metadata', 'authorization, content-type, if-match'],
    ['GET', '/api/v1/videos/jobs/00000000-0000-4000-8000-000000000000/hls/master.m3u8', 'range'],
    ['DELETE', '/api/v1/videos/jobs/00000000-0000-4000-8000-000000000000', 'authorization'],
    ['GET', '/api/v1/capabilities', 'authorization, x-correlation-id'],
    ['GET', '/api/v1/usage', 'authorization, x-correlation-id'],
  ])('answers the preflight of %s %s before authentication', async (method, path, headers) => {
    const res = await preflight(open, path, method, headers);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-allow-methods']).split(', ')).toContain(method);
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(', ');
    for (const h of headers.split(', ')) expect(allowed).toContain(h);
    expect(res.headers['access-control-max-age']).toBe('600');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('allows exactly Authorization, Last-Event-ID, If-Match, Idempotency-Key and the client\'s X-Correlation-ID among the non-simple headers it needs', async () => {
    const res = await preflight(open, '/api/v1/videos/generate', 'POST', 'authorization');
    expect(res.headers['access-control-allow-headers']).toBe('Authorization, Content-Type, Last-Event-ID, If-Match, If-None-Match, Idempotency-Key, Range, X-Correlation-ID');
  });

  it('exposes ETag, Location and X-Correlation-ID on answers, and never allows credentials', async () => {
    const submitted = await request(open.server).post('/api/v1/videos/generate').set(auth).set('Origin', 'https://page.example').send({ configuration: { topic: 'CORS 2', quality: 'low' } });
    expect(submitted.status).toBe(202);
    expect(submitted.headers['access-control-allow-origin']).toBe('*');
    const exposed = String(submitted.headers['access-control-expose-headers']).split(', ');
    expect(exposed).toEqual(expect.arrayContaining(['ETag', 'Location', 'X-Correlation-ID']));
    expect(submitted.headers.location).toBeTruthy();
    expect(submitted.headers['x-correlation-id']).toBeTruthy();
    expect(submitted.headers['access-control-allow-credentials']).toBeUndefined();
    // "*" is the same for every origin, so it needs no Vary.
    expect(submitted.headers.vary ?? '').not.toContain('Origin');
  });

  it('puts the headers on errors too, so a page can read a 401 or 404', async () => {
    const unauth = await request(open.server).get(`/api/v1/videos/jobs/${jobId}`).set('Origin', 'https://page.example');
    expect(unauth.status).toBe(401);
    expect(unauth.headers['access-control-allow-origin']).toBe('*');
    const events = await request(open.server).get(`/api/v1/videos/jobs/${jobId}/events?token=v1.1.x.y`).set('Origin', 'https://page.example');
    expect(events.status).toBe(401);
    expect(events.headers['access-control-allow-origin']).toBe('*');
  });

  it('covers the event stream answer', async () => {
    const res = await request(open.server).get(`/api/v1/videos/jobs/${jobId}/events`).set(auth).set('Origin', 'https://page.example').set('Last-Event-ID', '0').buffer(false).parse((r, cb) => {
      // Only the headers matter; the stream stays open, so stop reading at once.
      (r as unknown as { destroy(): void }).destroy();
      cb(null, null);
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/event-stream');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('covers the capabilities a browser client reads before it builds a form', async () => {
    const res = await request(open.server).get('/api/v1/capabilities').set(auth).set('Origin', 'https://page.example');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });

  it('leaves the operator routes alone', async () => {
    const res = await request(open.server).get('/health').set('Origin', 'https://page.example');
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS with a list of origins', () => {
  it('echoes a listed origin with Vary: Origin and gives an unlisted one nothing', async () => {
    const ok = await request(listed.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth).set('Origin', 'https://b.example');
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('https://b.example');
    expect(ok.headers.vary).toContain('Origin');
    const no = await request(listed.server).get(`/api/v1/videos/jobs/${jobId}`).set(auth).set('Origin', 'https://evil.example');
    expect(no.status).toBe(200);
    expect(no.headers['access-control-allow-origin']).toBeUndefined();
    expect(no.headers.vary).toContain('Origin');
    const pre = await preflight(listed, '/api/v1/videos/generate', 'POST', 'authorization', 'https://evil.example');
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    expect(pre.headers['access-control-allow-methods']).toBeUndefined();
  });
});

describe('the CORS settings', () => {
  it('CORS_ORIGINS defaults to *', () => {
    expect(loadConfig({}).api.corsOrigins).toEqual(['*']);
  });

  it('still reads HLS_CORS_ORIGINS, with a deprecation warning; CORS_ORIGINS wins when both are set', () => {
    const old = loadConfigWithWarnings({ HLS_CORS_ORIGINS: 'https://old.example' });
    expect(old.config.api.corsOrigins).toEqual(['https://old.example']);
    expect(old.warnings).toEqual([expect.stringMatching(/^HLS_CORS_ORIGINS is deprecated: rename it to CORS_ORIGINS/)]);
    const both = loadConfigWithWarnings({ HLS_CORS_ORIGINS: 'https://old.example', CORS_ORIGINS: 'https://new.example' });
    expect(both.config.api.corsOrigins).toEqual(['https://new.example']);
    expect(both.warnings).toEqual([expect.stringMatching(/HLS_CORS_ORIGINS is deprecated and ignored/)]);
  });
});
