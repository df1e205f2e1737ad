import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, redisServerAvailable, startRedisServer, type RedisServer } from '@vidgen/embedded';
import { startStack, WORKER_MAIN, type Stack } from '@vidgen/stack';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
export const REPORTS_DIR = path.join(REPO_ROOT, 'reports');
const MINIMAL_MAIN = path.join(__dirname, 'minimal-app.js');

/** Two owners: one submits (its index grows), the other only reads (its list stays the same page all run). */
export const WRITER = { owner: 'load-writer', key: `w-${randomBytes(12).toString('hex')}` };
export const READER = { owner: 'load-reader', key: `r-${randomBytes(12).toString('hex')}` };

/** Stops a child with SIGTERM (SIGKILL after `graceMs`) and waits for its exit. */
export function stopChild(child: ChildProcess, graceMs = 15000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface Minimal {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** The baseline app in its own process, as the API runs. */
export async function startMinimal(options: { redisUrl: string; prefix: string; logFile: string }): Promise<Minimal> {
  const port = await freePort();
  const fd = openSync(options.logFile, 'a');
  const child = spawn(process.execPath, [MINIMAL_MAIN, '--port', String(port), '--redis', options.redisUrl, '--prefix', options.prefix], { stdio: ['ignore', 'pipe', fd] });
  closeSync(fd);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the minimal app did not start within 15 s')), 15000);
    child.once('exit', (code) => reject(new Error(`the minimal app exited with code ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.stdout!.resume();
  return { url: `http://127.0.0.1:${port}`, pid: child.pid ?? -1, stop: () => stopChild(child) };
}

export interface SuiteStack {
  stack: Stack;
  prefix: string;
  redisUrl: string;
  dataDir: string;
  logFile: string;
  /** Starts `count` more worker processes against the stack (pnpm scale); stop them with stopChild. */
  spawnWorkers(count: number, env?: NodeJS.ProcessEnv): Promise<ChildProcess[]>;
  stop(): Promise<void>;
}

/**
 * The API alone (no workers) on free ports with a private QUEUE_PREFIX, a
 * private redis-server when one is installed (the shared one otherwise) and
 * the embedded S3 store. Settings that would answer 429 under load (the
 * per-owner submission rate limit) are off; everything else is the default.
 */
export async function startSuiteStack(options: { name: string; env?: NodeJS.ProcessEnv; apiNodeArgs?: string[] }): Promise<SuiteStack> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `vidgen-${options.name}-`));
  const logFile = path.join(dataDir, 'stack.log');
  const prefix = `${options.name}-${randomBytes(4).toString('hex')}`;
  let redis: RedisServer | null = null;
  let redisUrl = process.env.REDIS_URL;
  if (!redisUrl && redisServerAvailable()) {
    redis = await startRedisServer({ dir: path.join(dataDir, 'redis') });
    redisUrl = redis.url;
  }
  redisUrl ??= 'redis://127.0.0.1:6379';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    DATA_DIR: dataDir,
    API_KEYS: `${WRITER.owner}:${WRITER.key},${READER.owner}:${READER.key}`,
    SIGNING_SECRET: randomBytes(24).toString('hex'),
    RATE_LIMIT_SUBMISSIONS: '0',
    // One owner submits the whole run, on every worker at once: no per-owner caps.
    OWNER_MAX_QUEUED_JOBS: '0',
    OWNER_MAX_ACTIVE_JOBS: '0',
    OWNER_DAILY_VIDEO_SECONDS: '0',
    LOG_FORMAT: 'json',
    ...options.env,
  };
  delete env.S3_ENDPOINT; // always the embedded store
  let stack: Stack;
  try {
    stack = await startStack({ env, output: logFile, freePorts: true, workers: 0, apiNodeArgs: options.apiNodeArgs });
  } catch (err) {
    await redis?.stop();
    throw err;
  }
  const workers: ChildProcess[] = [];
  return {
    stack,
    prefix,
    redisUrl,
    dataDir,
    logFile,
    async spawnWorkers(count, extra = {}) {
      const started: ChildProcess[] = [];
      for (let i = 0; i < count; i++) {
        const port = await freePort();
        const fd = openSync(logFile, 'a');
        const child = spawn(process.execPath, [WORKER_MAIN], {
          env: { ...stack.env, ...extra, WORKER_HTTP_PORT: String(port), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
          stdio: ['ignore', fd, fd],
        });
        closeSync(fd);
        started.push(child);
        workers.push(child);
        await waitReady(`http://127.0.0.1:${port}/health/ready`, child);
      }
      return started;
    },
    async stop() {
      await Promise.all(workers.map((w) => stopChild(w)));
      await stack.stop();
      await redis?.stop();
      await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 60000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the worker exited with code ${child.exitCode}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}

/** The machine's state next to every number: rates on a shared machine mean little without it. */
export function machine(): { cores: number; loadavg_1m: number; node: string } {
  return { cores: os.cpus().length, loadavg_1m: Math.round(os.loadavg()[0]! * 100) / 100, node: process.version };
}

let ticksPerSecond: number | null = null;

/**
 * CPU time (user + system) a process has used so far, in ms, from /proc (Linux);
 * null elsewhere. CPU per answer holds up on a shared machine far better than
 * a rate does: contention stretches wall time, not the work a request takes.
 */
export function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return null;
  }
}
