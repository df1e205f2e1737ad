import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PipelineIntegrator } from '../src';
import { ffmpegChildren, ffmpegPath, makeJob, processGroupAlive } from './helpers';

describe('cancellation', () => {
  let base: string;
  beforeAll(async () => {
    base = await mkdtemp(path.join(os.tmpdir(), 'vidgen-cancel-test-'));
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('an abort mid-render kills every ffmpeg, ends every unit worker thread, starts nothing new and removes the scratch dir', async () => {
    const threadsBefore = (await readdir('/proc/self/task')).length;
    const controller = new AbortController();
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base, cores: 2 });
    const scenes = Array.from({ length: 6 }, (_, i) => ({ title: `Scene ${i + 1}`, text: 'A long scene to be cancelled.', duration_seconds: 20 }));
    let settled = false;
    const run = integrator.run(makeJob({ quality: 'medium', scenes }), { signal: controller.signal }).finally(() => {
      settled = true;
    });
    run.catch(() => {});

    // Poll /proc until the units' ffmpeg processes exist (no sleeps that assert timing).
    let pids: number[] = [];
    while (!settled && pids.length === 0) {
      pids = await ffmpegChildren();
      if (pids.length === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(pids.length).toBeGreaterThan(0);
    controller.abort();

    await expect(run).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    expect(await ffmpegChildren()).toEqual([]);
    // Each ffmpeg led its own process group (detached): nothing of those groups is left.
    for (const pid of pids) expect(await processGroupAlive(pid)).toBe(false);
    // The units' worker threads have exited too.
    expect((await readdir('/proc/self/task')).length).toBeLessThanOrEqual(threadsBefore);
    expect(await readdir(base)).toEqual([]);
  });

  it('an already aborted signal starts nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
    await expect(integrator.run(makeJob({ scenes: [{ text: 'x', duration_seconds: 1 }] }), { signal: controller.signal })).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    expect(await readdir(base)).toEqual([]);
  });
});
