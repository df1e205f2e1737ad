import net from 'node:net';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';
import { openSse } from './sse-client';

// Cheap rejection of hostile requests (issue 13, item 6), on the real API over HTTP.

const KEY = 'hardening-owner-key-0123';
const ADMIN = 'admin-key-0123456789abcdef';
const auth = { Authorization: `Bearer ${KEY}` };

let env: TestEnv;
let api: RunningApi;
let logs = '';

beforeAll(async () => {
  env = await createTestEnv({
    API_KEYS: `owner1:${KEY}`,
    ADMIN_API_KEY: ADMIN,
    API_HEADERS_TIMEOUT_MS: '1000',
    API_REQUEST_TIMEOUT_MS: '1500',
    SSE_HEARTBEAT_MS: '300',
    RATE_LIMIT_SUBMISSIONS: '0',
  });
  const stream = new PassThrough();
  stream.on('data', (d: Buffer) => (logs += d.toString()));
  // The JSON logger with redaction, as in production: the hostile path goes through it.
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream }));
});

afterAll(async () => {
  await api?.stop();
  await env?.cleanup();
});

/** CPU time (user + system, µs) this process spends answering `count` GETs of `path`. */
async function cpuOf(path: string, count: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const res = await request(api.server).get(path);
    expect(res.status).toBe(404);
  }
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

describe('a hostile path costs no more than a benign one', () => {
  it('answers the 16 KB `/a.a.a.…` path with at most 2x the CPU time of a 16 KB benign path, and logs it cut to 512 characters', async () => {
    const hostile = '/' + 'a.'.repeat(8000);
    const benign = '/' + 'ab'.repeat(8000);
    expect(hostile.length).toBe(benign.length);
    // Warm both up (JIT, first-request costs), then interleave so load on the machine hits both alike.
    await cpuOf(benign, 3);
    await cpuOf(hostile, 3);
    let hostileCpu = 0;
    let benignCpu = 0;
    for (let round = 0; round < 4; round++) {
      benignCpu += await cpuOf(benign, 5);
      hostileCpu += await cpuOf(hostile, 5);
    }
    expect(hostileCpu).toBeLessThanOrEqual(2 * benignCpu);

    const line = logs
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { message: string; path?: string })
      .find((l) => l.message === 'http request' && l.path?.startsWith('/a.a.'));
    expect(line?.path).toBe(`${hostile.slice(0, 512)}…[16001 chars]`);
  });
});

describe('routers entered only for their own paths', () => {
  it('routes any casing and a trailing slash as the routers do, and 404s or 405s the rest as before', async () => {
    const job = '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
    const cases: Array<[string, string, number, string | null]> = [
      ['get', '/health', 200, null],
      ['get', '/HEALTH/', 200, null],
      ['get', '/Health/Ready', 200, null],
      ['get', '/health/nope', 404, 'ROUTE_NOT_FOUND'],
      ['post', '/health', 405, 'METHOD_NOT_ALLOWED'],
      ['get', '/METRICS', 401, 'UNAUTHENTICATED'],
      ['get', `/api/v1/videos/jobs/${job}/EVENTS`, 401, 'UNAUTHENTICATED'],
      ['get', `/api/v1/videos/jobs/${job}/Hls/master.m3u8`, 401, 'UNAUTHENTICATED'],
      ['get', `/api/v1/videos/jobs/${job}/storyboard.VTT`, 401, 'UNAUTHENTICATED'],
      ['post', `/api/v1/videos/jobs/${job}/events`, 401, 'UNAUTHENTICATED'],
    ];
    for (const [method, path, status, code] of cases) {
      const res = await (method === 'get' ? request(api.server).get(path) : request(api.server).post(path));
      expect([path, res.status, res.body?.error?.code ?? null]).toEqual([path, status, code]);
    }
    // Authenticated: the event stream route answers its own 405 for a wrong method, and a job that is not there is 404.
    const wrongMethod = await request(api.server).post(`/api/v1/videos/jobs/${job}/events`).set(auth);
    expect([wrongMethod.status, wrongMethod.body.error.code]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    const hls = await request(api.server).get(`/api/v1/videos/jobs/${job}/hls/master.m3u8`).set(auth);
    expect([hls.status, hls.body.error.code]).toEqual([404, 'JOB_NOT_FOUND']);
  });
});

describe('security headers', () => {
  it('sends nosniff, no X-Powered-By and frame-ancestors none on API routes, errors included', async () => {
    for (const res of [
      await request(api.server).get('/health'),
      await request(api.server).get('/api/v1/videos/jobs').set(auth),
      await request(api.server).get('/api/v1/videos/jobs'),
      await request(api.server).get('/nowhere'),
    ]) {
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
  });

  it('keeps bull-board working without X-Powered-By, and nosniff on it too', async () => {
    const res = await request(api.server).get('/admin/queues').set('Authorization', `Bearer ${ADMIN}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('vidgen queues');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    // Its page runs its own scripts: our API policy would break it.
    expect(res.headers['content-security-policy']).toBeUndefined();
    const asset = await request(api.server).get('/admin/queues/api/queues').set('Authorization', `Bearer ${ADMIN}`);
    expect(asset.headers['x-powered-by']).toBeUndefined();
  });

  it('keeps CORS on the HLS playlists and lets players and EventSource load them cross-origin', async () => {
    const preflight = await request(api.server)
      .options('/api/v1/videos/jobs/j1/hls/master.m3u8')
      .set('Origin', 'https://player.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    const hls = await request(api.server).get('/api/v1/videos/jobs/j1/hls/master.m3u8').set(auth).set('Origin', 'https://player.example');
    expect(hls.headers['access-control-allow-origin']).toBe('*');
    expect(hls.headers['cross-origin-resource-policy']).toBe('cross-origin');
    const events = await request(api.server).get('/api/v1/videos/jobs/j1/events').set(auth);
    expect(events.headers['cross-origin-resource-policy']).toBe('cross-origin');
    const json = await request(api.server).get('/api/v1/videos/jobs/j1').set(auth);
    expect(json.headers['cross-origin-resource-policy']).toBe('same-origin');
  });
});

describe('prototype members in a JSON body', () => {
  it.each([
    ['{"configuration":{"topic":"Tides","__proto__":{"quality":"ultra"}}}', 'configuration.__proto__'],
    ['{"__proto__":{"x":1},"configuration":{"topic":"Tides"}}', '__proto__'],
    ['{"configuration":{"topic":"Tides","scenes":[{"text":"a"},{"text":"b","constructor":{"prototype":{}}}]}}', 'configuration.scenes[1].constructor'],
    ['{"configuration":{"topic":"Tides","prototype":1}}', 'configuration.prototype'],
  ])('refuses %s with 400 naming %s', async (body, field) => {
    const res = await request(api.server).post('/api/v1/videos/generate').set(auth).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual([expect.objectContaining({ field })]);
  });

  it('refuses them in a metadata edit too, and still accepts the same words as values', async () => {
    const res = await request(api.server).patch('/api/v1/videos/jobs/j1/metadata').set(auth).set('If-Match', '"x"').set('Content-Type', 'application/json').send('{"tags":["a"],"__proto__":{}}');
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].field).toBe('__proto__');
    const ok = await request(api.server).post('/api/v1/videos/generate').set(auth).send({ configuration: { topic: '__proto__ and constructor', quality: 'low' } });
    expect(ok.status).toBe(202);
  });
});

describe('server limits', () => {
  const address = () => ({ host: '127.0.0.1', port: api.port });

  /** Writes `first` on a raw socket, then nothing; resolves with what the server sent and how long it took to close. */
  function stall(first: string): Promise<{ text: string; ms: number }> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const socket = net.connect(address(), () => socket.write(first));
      let text = '';
      socket.on('data', (d) => (text += d.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve({ text, ms: Date.now() - started }));
      setTimeout(() => socket.destroy(new Error('the server never closed the stalled request')), 10000).unref();
    });
  }

  it('answers 408 and closes a connection whose headers do not arrive in API_HEADERS_TIMEOUT_MS (slow-loris)', async () => {
    const { text } = await stall('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(text).toMatch(/^HTTP\/1.1 408/);
  });

  it('answers 408 to a body that does not arrive in API_REQUEST_TIMEOUT_MS', async () => {
    const { text } = await stall(`POST /api/v1/videos/generate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"configuration":`);
    expect(text).toMatch(/^HTTP\/1.1 408/);
  });

  it('keeps an event stream open past the request timeout, and idle keep-alive connections for API_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const submitted = await request(api.server).post('/api/v1/videos/generate').set(auth).send({ configuration: { topic: 'Streams', quality: 'low' } });
    expect(submitted.status).toBe(202);
    const stream = await openSse(`http://127.0.0.1:${api.port}/api/v1/videos/jobs/${submitted.body.job_id}/events`, auth);
    try {
      expect(stream.status).toBe(200);
      await new Promise((r) => setTimeout(r, 3500));
      expect(stream.ended).toBe(false);
      expect(stream.comments.length).toBeGreaterThan(3);
    } finally {
      stream.close();
    }
    expect(api.server.keepAliveTimeout).toBe(65000);
    expect(api.server.headersTimeout).toBe(1000);
    expect(api.server.requestTimeout).toBe(1500);
  });

  it('closes connections beyond API_MAX_CONNECTIONS at once', async () => {
    const capped = await startApi(loadConfig({ ...env.env, API_PORT: '0', API_MAX_CONNECTIONS: '2' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
    const open: net.Socket[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const s = net.connect({ host: '127.0.0.1', port: capped.port });
        await new Promise((r) => s.once('connect', r));
        open.push(s);
      }
      // Let the server accept both before the third arrives.
      await new Promise((r) => setTimeout(r, 200));
      const third = net.connect({ host: '127.0.0.1', port: capped.port }, () => third.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'));
      const outcome = await new Promise<string>((resolve) => {
        let text = '';
        third.on('data', (d) => (text += d.toString()));
        third.on('error', () => undefined);
        third.on('close', () => resolve(text));
      });
      expect(outcome).toBe('');
      // A slot frees when a connection ends.
      open.pop()!.destroy();
      await new Promise((r) => setTimeout(r, 200));
      expect((await request(`http://127.0.0.1:${capped.port}`).get('/health')).status).toBe(200);
    } finally {
      for (const s of open) s.destroy();
      await capped.stop();
    }
  });
});
