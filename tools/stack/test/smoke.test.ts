import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@vidgen/embedded';
import { startStack, type Stack } from '@vidgen/stack';
import { deleteKeysAt, SHARED_REDIS_URL, uniqueName } from '@vidgen/testing';

const SMOKE = path.resolve(__dirname, '../dist/smoke.js');
const KEY = 'smoke-test-key-0123';

function smoke(...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [SMOKE, ...args], { env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out })));
}

describe('pnpm smoke (deployment validation) against the embedded stack', () => {
  const prefix = uniqueName('vgsmoke');
  let dataDir: string;
  let stack: Stack;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-smoke-'));
    const env = { ...process.env, REDIS_URL: SHARED_REDIS_URL, QUEUE_PREFIX: prefix, API_KEYS: `smoke:${KEY}`, DATA_DIR: dataDir, LOG_FORMAT: 'json' };
    stack = await startStack({ env, output: path.join(dataDir, 'stack.log'), freePorts: true });
  });
  afterAll(async () => {
    await stack?.stop();
    await deleteKeysAt(SHARED_REDIS_URL, prefix);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('passes every step on a healthy deployment and exits 0', async () => {
    const r = await smoke('--url', stack.apiUrl, '--api-key', KEY);
    if (r.code !== 0) throw new Error(`smoke exited ${r.code}:\n${r.out}`);
    for (const step of ['health', 'submit', 'follow', 'download']) expect(r.out).toMatch(new RegExp(`\\[smoke\\] ok +${step} `));
    expect(r.out).toMatch(/\[smoke\] ok +probe +h264 854x480 @ 15 fps, aac/);
    // Checked when the deployment serves GET /jobs/:id/metadata, reported as skipped when it does not.
    expect(r.out).toMatch(/\[smoke\] (ok   metadata  200 for job|skip metadata  this deployment has no metadata endpoint)/);
    expect(r.out).toMatch(/\[smoke\] passed in/);
  });

  it('names the failing step: a wrong API key fails at submit', async () => {
    const r = await smoke('--url', stack.apiUrl, '--api-key', 'not-the-key');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/\[smoke\] FAIL submit +submit: POST \/generate answered 401/);
    expect(r.out).toContain('smoke test failed at step "submit"');
  });

  it('names the failing step: nothing listening fails at health', async () => {
    const r = await smoke('--url', `http://127.0.0.1:${await freePort()}`);
    expect(r.code).toBe(1);
    expect(r.out).toContain('smoke test failed at step "health"');
  });

  it('explains its usage', async () => {
    const r = await smoke();
    expect(r.code).toBe(1);
    expect(r.out).toContain('usage: pnpm smoke --url');
  });
});
