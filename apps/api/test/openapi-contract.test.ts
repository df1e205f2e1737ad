import { PassThrough } from 'node:stream';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

const KEY = 'contract-owner-key-aaaa';
const auth = { Authorization: `Bearer ${KEY}` };
const ID = 'https://vidgen.invalid/openapi.json';

let env: TestEnv;
let api: RunningApi;
let ajv: Ajv2020;
let doc: { components: Record<string, unknown>; paths: Record<string, Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>> };

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, NARRATION_ENABLED: 'false' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  doc = (await request(api.server).get('/api/v1/openapi.json')).body;
  // strict: false because the document's own keys (openapi, paths…) are not JSON Schema keywords.
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: ID, components: doc.components });
});

afterAll(async () => {
  await api?.stop();
  await env?.cleanup();
});

/** The body checked against a component schema of the served document; the errors name the failing paths. */
function conforms(name: string, body: unknown): unknown[] {
  const validate = ajv.getSchema(`${ID}#/components/schemas/${name}`)!;
  return validate(body) ? [] : validate.errors!;
}

const submit = { configuration: { topic: 'Contract', quality: 'low', scenes: [{ text: 'x', duration_seconds: 1 }] } };

describe('API responses match the OpenAPI document', () => {
  it('submit (202), get, list, usage, capabilities, plan', async () => {
    const created = await request(api.server).post('/api/v1/videos/generate').set(auth).send(submit);
    expect(created.status).toBe(202);
    expect(conforms('JobAccepted', created.body)).toEqual([]);
    // Every header the document promises on this answer is there.
    const promised = Object.keys(doc.paths['/api/v1/videos/generate']!.post!.responses['202']!.headers ?? {});
    expect(promised).toEqual(expect.arrayContaining(['Location', 'X-Correlation-ID']));
    for (const name of promised) expect(created.headers[name.toLowerCase()]).toEqual(expect.any(String));

    const job = await request(api.server).get(`/api/v1/videos/jobs/${created.body.job_id}`).set(auth);
    expect(job.status).toBe(200);
    expect(conforms('Job', job.body)).toEqual([]);

    const list = await request(api.server).get('/api/v1/videos/jobs?limit=5').set(auth);
    expect(list.status).toBe(200);
    expect(list.body.jobs.length).toBeGreaterThan(0);
    expect(conforms('JobList', list.body)).toEqual([]);

    const usage = await request(api.server).get('/api/v1/usage').set(auth);
    expect(usage.status).toBe(200);
    expect(conforms('Usage', usage.body)).toEqual([]);

    const caps = await request(api.server).get('/api/v1/capabilities').set(auth);
    expect(caps.status).toBe(200);
    expect(conforms('Capabilities', caps.body)).toEqual([]);

    const plan = await request(api.server).post('/api/v1/videos/plan').set(auth).send(submit);
    expect(plan.status).toBe(200);
    expect(conforms('Plan', plan.body)).toEqual([]);
  });

  it('errors: a bad field (400), no key (401), an unknown job (404)', async () => {
    const bad = await request(api.server).post('/api/v1/videos/generate').set(auth).send({ configuration: { topic: '' } });
    expect(bad.status).toBe(400);
    expect(conforms('ErrorResponse', bad.body)).toEqual([]);
    const anonymous = await request(api.server).get('/api/v1/videos/jobs');
    expect(anonymous.status).toBe(401);
    expect(conforms('ErrorResponse', anonymous.body)).toEqual([]);
    const missing = await request(api.server).get('/api/v1/videos/jobs/00000000-0000-4000-8000-000000000000').set(auth);
    expect(missing.status).toBe(404);
    expect(conforms('ErrorResponse', missing.body)).toEqual([]);
  });

  it('the schemas can fail: a job missing its links or with an extra key does not conform', async () => {
    const created = await request(api.server).post('/api/v1/videos/generate').set(auth).send(submit);
    const job = (await request(api.server).get(`/api/v1/videos/jobs/${created.body.job_id}`).set(auth)).body;
    expect(conforms('Job', job)).toEqual([]);
    const { links: _links, ...withoutLinks } = job;
    expect(conforms('Job', withoutLinks)).not.toEqual([]);
    expect(conforms('Job', { ...job, surprise: 1 })).not.toEqual([]);
    // The short answer of /generate is not a whole job.
    expect(conforms('Job', created.body)).not.toEqual([]);
  });
});
