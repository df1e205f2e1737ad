import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedS3, type EmbeddedS3 } from '@vidgen/embedded';

let dir: string;
let s3: EmbeddedS3;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-s3-cors-'));
  s3 = await startEmbeddedS3({ port: 0, directory: dir, buckets: ['players'] });
  // s3rver checks no signatures: a plain PUT stores the object.
  const put = await fetch(`${s3.endpoint}/players/seg.ts`, { method: 'PUT', body: 'x'.repeat(100) });
  expect(put.status).toBe(200);
});

afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('embedded S3 bucket CORS', () => {
  it('answers a preflight for a ranged GET from any origin', async () => {
    const res = await fetch(`${s3.endpoint}/players/seg.ts`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://player.localhost:8080', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'range' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
    expect(res.headers.get('access-control-allow-headers')).toBe('range');
  });

  it('lets a page read an object and its length headers', async () => {
    const res = await fetch(`${s3.endpoint}/players/seg.ts`, { headers: { Origin: 'http://player.localhost:8080', Range: 'bytes=0-9' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toMatch(/Content-Range/i);
    expect(await res.text()).toBe('x'.repeat(10));
  });

  it('refuses a method the rule does not allow', async () => {
    const res = await fetch(`${s3.endpoint}/players/seg.ts`, { method: 'OPTIONS', headers: { Origin: 'http://a.example', 'Access-Control-Request-Method': 'PUT' } });
    expect(res.status).toBe(403);
  });
});
