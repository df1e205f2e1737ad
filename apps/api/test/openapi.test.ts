import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { ERROR_CODES } from '@vidgen/core';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

const KEY = 'openapi-owner-key-aaaa';
const REDOCLY = join(__dirname, '../../../node_modules/.bin/redocly');

let env: TestEnv;
let api: RunningApi;
let dir: string;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, NARRATION_ENABLED: 'false' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  dir = await mkdtemp(join(tmpdir(), 'vidgen-openapi-'));
});

afterAll(async () => {
  await api?.stop();
  await env?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{ ruleId: string; severity: string; message: string }>;
}

describe('GET /api/v1/openapi.json', () => {
  it('serves an OpenAPI 3.1 document without a key, cacheable', async () => {
    const res = await request(api.server).get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    expect(res.body.openapi).toBe('3.1.0');
    // Express's ETag makes a revalidation cheap.
    const again = await request(api.server).get('/api/v1/openapi.json').set('If-None-Match', res.headers.etag!);
    expect(again.status).toBe(304);
  });

  it('documents the routes, headers, error codes and security schemes', async () => {
    const doc = (await request(api.server).get('/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/videos/generate', '/api/v1/videos/plan', '/api/v1/videos/jobs', '/api/v1/videos/jobs/{job_id}', '/api/v1/videos/jobs/{job_id}/metadata', '/api/v1/videos/jobs/{job_id}/events', '/api/v1/capabilities', '/api/v1/usage']),
    );
    const headers = Object.values(doc.components.parameters as Record<string, { in: string; name: string }>).filter((p) => p.in === 'header').map((p) => p.name);
    expect(headers).toEqual(expect.arrayContaining(['Idempotency-Key', 'If-Match', 'X-Correlation-ID']));
    expect(doc.paths['/api/v1/videos/jobs/{job_id}/events'].get.parameters.map((p: { name?: string }) => p.name)).toContain('Last-Event-ID');
    expect(doc.components.schemas.ErrorCode.enum).toEqual(Object.keys(ERROR_CODES));
    expect(doc.components.securitySchemes.token).toEqual(expect.objectContaining({ type: 'apiKey', in: 'query', name: 'token' }));
    // Request bodies come from the joi schemas: the topic's bounds are the validator's.
    const topic = doc.components.schemas.GenerateRequest.properties.configuration.properties.topic;
    expect(topic).toEqual(expect.objectContaining({ type: 'string', minLength: 1, maxLength: 200 }));
    expect(doc.components.schemas.MetadataPatch.properties.tags.maxItems).toBe(20);
  });

  it('passes the Redocly linter with no errors', async () => {
    const file = join(dir, 'openapi.json');
    await writeFile(file, (await request(api.server).get('/api/v1/openapi.json')).text);
    // redocly exits 1 on errors; the report decides either way.
    const run = await promisify(execFile)(REDOCLY, ['lint', file, '--format=json'], { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, maxBuffer: 10 << 20 }).catch(
      (err: { stdout: string; stderr: string }) => err,
    );
    const report = JSON.parse(run.stdout) as LintReport;
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
  });
});
