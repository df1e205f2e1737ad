import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@vidgen/embedded';
import { deleteKeysAt, SHARED_REDIS_URL, uniqueName, waitFor } from '@vidgen/testing';

const ROOT = path.resolve(__dirname, '../../..');

function run(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [path.join(ROOT, 'tools/stack/dist', script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => out };
}

describe('the Quickstart commands', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-stack-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('pnpm demo: submits a job, downloads the MP4 through its URL, prints the ffprobe summary, exits 0', async () => {
    const demo = run('demo.js', { DATA_DIR: dataDir, LOG_FORMAT: 'json' });
    const code = await demo.exited;
    expect({ code, output: demo.output().slice(-2000) }).toMatchObject({ code: 0 });
    expect(demo.output()).toMatch(/ffprobe: h264 854x480 @ 15 fps, yuv420p, audio aac 2ch 48000 Hz/);
    expect(demo.output()).toMatch(/X-Amz-Signature=/);
  });

  it('pnpm start: serves the API, processes a job and stops cleanly on SIGTERM', async () => {
    const prefix = uniqueName('vgstart');
    const [apiPort, workerPort, s3Port] = [await freePort(), await freePort(), await freePort()];
    const start = run('start.js', { DATA_DIR: dataDir, QUEUE_PREFIX: prefix, API_PORT: String(apiPort), WORKER_HTTP_PORT: String(workerPort), EMBEDDED_S3_PORT: String(s3Port), LOG_FORMAT: 'json' });
    try {
      await waitFor(async () => start.output(), (o) => o.includes('[vidgen] ready') || start.child.exitCode !== null, { timeoutMs: 30000, what: 'stack ready' });
      expect(start.output()).toContain(`http://127.0.0.1:${apiPort}`);
      const res = await fetch(`http://127.0.0.1:${apiPort}/api/v1/videos/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ configuration: { topic: 'Start', quality: 'low', scenes: [{ text: 'Hello.', duration_seconds: 1 }] } }),
      });
      expect(res.status).toBe(202);
      const { links } = (await res.json()) as { links: { self: string } };
      const job = await waitFor(
        async () => (await (await fetch(links.self)).json()) as { status: string; result: { video_url: string } | null },
        (j) => ['completed', 'failed'].includes(j.status),
        { timeoutMs: 60000, what: 'job end' },
      );
      expect(job.status).toBe('completed');
      expect((await fetch(job.result!.video_url)).status).toBe(200);
      start.child.kill('SIGTERM');
      expect(await start.exited).toBe(0);
      expect(start.output()).toContain('[vidgen] stopped.');
      // Nothing is left listening.
      await expect(fetch(`http://127.0.0.1:${apiPort}/health`)).rejects.toThrow();
    } finally {
      if (start.child.exitCode === null) start.child.kill('SIGKILL');
      await deleteKeysAt(SHARED_REDIS_URL, prefix);
    }
  });
});
