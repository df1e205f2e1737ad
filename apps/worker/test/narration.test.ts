import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@vidgen/embedded';
import { listWorkerVoices } from '@vidgen/queue';
import { createTestEnv, spawnNode, startWorkerProcess, waitFor, WORKER_MAIN, type TestEnv } from '@vidgen/testing';
import { openJobWorld, type JobWorld } from './support/world';
import { submitJob } from './support/jobs';

// A worker's narration at boot (issue 14): it detects the engines installed here, honours
// TTS_ENGINE (a named engine that is missing leaves it unready), announces its voices in Redis
// for GET /api/v1/capabilities, withdraws them on shutdown, and narrates with the engine it chose.
// A PATH holding flite alone stands for a machine where only flite is installed: Node and ffmpeg
// are found by absolute path, so nothing else is missing.

let env: TestEnv;
let world: JobWorld;
let dir: string;
let fliteOnly: string;

beforeAll(async () => {
  env = await createTestEnv({ NARRATION_ENABLED: 'true' });
  world = openJobWorld(env);
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-narration-test-'));
  fliteOnly = path.join(dir, 'bin');
  await mkdir(fliteOnly);
  await symlink('/usr/bin/flite', path.join(fliteOnly, 'flite'));
});

afterAll(async () => {
  await world?.close();
  await rm(dir, { recursive: true, force: true });
  await env?.cleanup();
});

const announced = () => listWorkerVoices(world.redis, env.prefix);

it('with every engine installed, announces every voice, Festival (the HTS voice first) as its engine, and withdraws them on shutdown', async () => {
  const worker = await startWorkerProcess(env.env);
  try {
    const [mine, ...others] = await announced();
    expect(others).toEqual([]);
    expect(mine!.engine).toBe('festival');
    expect(mine!.worker_id).toContain(`${os.hostname()}:worker-${worker.child.pid}-`);
    const ids = mine!.voices.map((v) => v.id);
    expect(ids[0]).toBe('festival:cmu_us_slt_arctic_hts');
    expect(ids).toEqual(expect.arrayContaining(['flite:slt', 'espeak:en-us']));
    expect(mine!.voices[0]).toEqual({ id: 'festival:cmu_us_slt_arctic_hts', engine: 'festival', name: 'cmu_us_slt_arctic_hts' });
  } finally {
    const { code } = await worker.stop();
    expect(code).toBe(0);
  }
  expect(await announced()).toEqual([]);
});

it('stays unready, announcing nothing, when TTS_ENGINE names an engine that is not installed', async () => {
  const port = await freePort();
  const worker = spawnNode(WORKER_MAIN, { ...env.env, PATH: fliteOnly, TTS_ENGINE: 'festival', WORKER_HTTP_PORT: String(port) });
  try {
    const report = await waitFor(
      async () => {
        if (worker.child.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
        try {
          const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
          return { status: res.status, body: (await res.json()) as { failing: string[]; checks: Record<string, { error?: string }> } };
        } catch {
          return null;
        }
      },
      (r) => r !== null,
      { timeoutMs: 60000, what: 'the worker to answer /health/ready' },
    );
    expect(report!.status).toBe(503);
    expect(report!.body.failing).toEqual(['tts']);
    expect(report!.body.checks.tts!.error).toMatch(/TTS_ENGINE=festival, but festival is not installed/);
    expect(await announced()).toEqual([]);
  } finally {
    await worker.stop();
  }
});

it('with flite alone installed, chooses it, announces its voices only, and narrates a job with it', async () => {
  const worker = await startWorkerProcess({ ...env.env, PATH: fliteOnly });
  try {
    const [mine] = await announced();
    expect(mine!.engine).toBe('flite');
    expect(mine!.voices.map((v) => v.id)).toEqual(['flite:slt', 'flite:rms', 'flite:awb', 'flite:kal16']);
    // espeak-ng (the pipeline's own fallback) is not on this PATH: the job completes only with the engine the worker passed in.
    const jobId = '22222222-2222-4222-8222-222222222222';
    await submitJob(world.store, world.queue, jobId, { topic: 'Flite', quality: 'low', subtitles: false, narration: true, formats: ['mp4'], scenes: [{ text: 'Hello there.', duration_seconds: 1 }] });
    const record = await waitFor(() => world.store.get(jobId), (r) => r?.status === 'completed' || r?.status === 'failed', { timeoutMs: 90000, what: 'the narrated job to end' });
    expect(record!.error).toBeNull();
    expect(record!.status).toBe('completed');
    // "Hello there." in flite's voice plus the scene's tail: longer than the one second the scene asked for.
    expect(record!.result!.duration_seconds).toBeGreaterThan(1);
  } finally {
    await worker.stop();
  }
  expect(await announced()).toEqual([]);
});
