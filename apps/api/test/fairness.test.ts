import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startWorkerProcess, waitFor, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';

// Owner-fair scheduling on the real stack (issue 13, item 1): one worker, Alice's backlog of 20
// long jobs, Bob and Carol submitting short jobs while it runs. Each short job must start within
// one job slot of its submission: at most one other job starts between its submission and its
// own start. On plain FIFO every short job would wait for the whole backlog.

const KEYS = { alice: 'alice-key-0123456789abcdef', bob: 'bob-key-0123456789abcdefgh', carol: 'carol-key-0123456789abcdef' } as const;
type Owner = keyof typeof KEYS;

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: Object.entries(KEYS).map(([o, k]) => `${o}:${k}`).join(','), WORKER_CONCURRENCY: '1' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  worker = await startWorkerProcess(env.env);
});

afterAll(async () => {
  await worker?.stop();
  await api?.stop();
  await env?.cleanup();
});

const auth = (owner: Owner) => ({ Authorization: `Bearer ${KEYS[owner]}` });
const base = { quality: 'low', subtitles: false, formats: ['mp4'] };
const LONG = { ...base, topic: 'Long', scenes: [{ text: 'A long job, part one.', duration_seconds: 3 }, { text: 'A long job, part two.', duration_seconds: 3 }] };
const SHORT = { ...base, topic: 'Short', scenes: [{ text: 'A short job.', duration_seconds: 1 }] };

async function submit(owner: Owner, configuration: unknown): Promise<{ id: string; submittedAt: number }> {
  const res = await request(api.server).post('/api/v1/videos/generate').set(auth(owner)).send({ configuration });
  expect(res.status).toBe(202);
  return { id: res.body.job_id as string, submittedAt: Date.now() };
}

const job = async (owner: Owner, id: string) => (await request(api.server).get(`/api/v1/videos/jobs/${id}`).set(auth(owner))).body;

it('starts every short job within one job slot of its submission while another owner has 20 long jobs queued', async () => {
  const alice: string[] = [];
  for (let i = 0; i < 20; i++) alice.push((await submit('alice', LONG)).id);
  const shorts: Array<{ owner: Owner; id: string; submittedAt: number }> = [];
  // Three waves, each while one of Alice's jobs is rendering: Bob and Carol submit one short job each.
  for (let wave = 0; wave < 3; wave++) {
    await waitFor(() => job('alice', alice[wave]!), (b) => b.status === 'processing' || b.status === 'completed', { timeoutMs: 120000, what: `Alice's job ${wave} to start` });
    for (const owner of ['bob', 'carol'] as const) shorts.push({ owner, ...(await submit(owner, SHORT)) });
  }
  const done = await Promise.all(shorts.map((s) => waitFor(() => job(s.owner, s.id), (b) => b.status === 'completed' || b.status === 'failed', { timeoutMs: 180000, what: `short job ${s.id}` })));
  expect(done.map((b) => b.status)).toEqual(shorts.map(() => 'completed'));

  const starts = (await Promise.all([...alice.map((id) => job('alice', id)), ...done])).filter((b) => b.started_at).map((b) => ({ id: b.job_id as string, at: Date.parse(b.started_at) }));
  const jumped = shorts.map((s, i) => {
    const startedAt = Date.parse(done[i].started_at);
    return { job: `${s.owner}#${i}`, others_started_before_it: starts.filter((o) => o.id !== s.id && o.at > s.submittedAt && o.at < startedAt).length };
  });
  expect(jumped.filter((j) => j.others_started_before_it > 1)).toEqual([]);
  // Alice's backlog still runs after them: most of it has not started yet.
  expect(starts.filter((s) => alice.includes(s.id)).length).toBeLessThan(20);

  for (const id of alice) await request(api.server).post(`/api/v1/videos/jobs/${id}/cancel`).set(auth('alice'));
}, 300000);

