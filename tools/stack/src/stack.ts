import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Redis from 'ioredis';
import { loadConfig } from '@vidgen/config';
import { freePort, isPortOpen, redisServerAvailable, startEmbeddedS3, startRedisServer, type EmbeddedS3, type RedisServer } from '@vidgen/embedded';
import { createS3Client, ensureBucket } from '@vidgen/storage';
import { engineInstalled, narrationSettings } from './narration';

const REPO_ROOT = path.resolve(__dirname, '../../..');
export const API_MAIN = path.join(REPO_ROOT, 'apps/api/dist/main.js');
export const WORKER_MAIN = path.join(REPO_ROOT, 'apps/worker/dist/main.js');

export interface StackOptions {
  env?: NodeJS.ProcessEnv;
  /** 'inherit' shows the children's logs; a path collects them in a file. */
  output: 'inherit' | string;
  /** Pick free ports instead of API_PORT / WORKER_HTTP_PORT / EMBEDDED_S3_PORT (the demo does). */
  freePorts?: boolean;
  say?: (line: string) => void;
  /** Worker processes (default 1); 0 runs the API alone, so submitted jobs stay waiting (pnpm load, pnpm scale). */
  workers?: number;
  /** Extra node flags for the API process, e.g. ['--cpu-prof', '--cpu-prof-dir=…'] to profile it. */
  apiNodeArgs?: string[];
  /** Narration on by default when an engine is installed and the environment does not say (pnpm start); tests leave it off. */
  narrationWhenInstalled?: boolean;
}

export interface Stack {
  apiUrl: string;
  /** The first worker's health server ('' with no workers). */
  workerUrl: string;
  /** Every worker's health server. */
  workerUrls: string[];
  /** Process ids by name (api, worker or worker-<n>), e.g. to read their CPU time. */
  pids: Record<string, number>;
  env: NodeJS.ProcessEnv;
  redis: { url: string; embedded: boolean };
  s3: { endpoint: string; embedded: boolean };
  /** Resolves when a child exits on its own (it should not while the stack runs). */
  exited: Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

async function redisAnswers(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not yet listening */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready within ${timeoutMs} ms`);
}

/**
 * Starts the whole system on embedded defaults: Redis (the local one on 6379
 * if it answers, else a private redis-server), an S3-compatible store when
 * S3_ENDPOINT is unset, then the API and a worker as their own processes.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const { output, freePorts = false, say = () => undefined, workers = 1, apiNodeArgs = [] } = options;
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  if (options.narrationWhenInstalled) {
    const narration = await narrationSettings(env, engineInstalled(env));
    Object.assign(env, narration);
    if (narration.NARRATION_ENABLED) say(`narration allowed${narration.NARRATION_DEFAULT ? ' and on by default' : ''}: a narration engine is installed (NARRATION_ENABLED=false to turn it off)`);
  }
  const config = loadConfig(env); // refuses a bad configuration before anything starts
  const dataDir = path.resolve(config.embedded.dataDir);
  await mkdir(dataDir, { recursive: true });
  const cleanups: Array<() => Promise<void>> = [];
  const children: Array<{ name: string; child: ChildProcess }> = [];

  const stop = async () => {
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };

  try {
    // Redis
    let redisEmbedded = false;
    if (!env.REDIS_URL) {
      const local = 'redis://127.0.0.1:6379';
      if (await redisAnswers(local)) {
        env.REDIS_URL = local;
      } else if (redisServerAvailable()) {
        const server: RedisServer = await startRedisServer({ dir: path.join(dataDir, 'redis'), appendOnly: true });
        cleanups.push(() => server.stop());
        env.REDIS_URL = server.url;
        redisEmbedded = true;
      } else {
        throw new Error(
          'No Redis: nothing answers on 127.0.0.1:6379 and no redis-server is on PATH. Install Redis (e.g. `apt-get install redis-server` or `brew install redis`) or set REDIS_URL.',
        );
      }
    } else if (!(await redisAnswers(env.REDIS_URL))) {
      throw new Error(`REDIS_URL=${env.REDIS_URL} does not answer.`);
    }
    say(`redis   ${env.REDIS_URL}${redisEmbedded ? ' (embedded redis-server)' : ''}`);

    // S3
    let s3Embedded = false;
    if (!env.S3_ENDPOINT) {
      const port = freePorts ? await freePort() : config.embedded.s3Port;
      if (await isPortOpen(port)) throw new Error(`EMBEDDED_S3_PORT ${port} is in use; stop what uses it or set EMBEDDED_S3_PORT.`);
      const s3: EmbeddedS3 = await startEmbeddedS3({ port, directory: path.join(dataDir, 's3'), buckets: [config.s3.bucket] });
      cleanups.push(() => s3.close());
      Object.assign(env, { S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey });
      s3Embedded = true;
    }
    const s3Config = loadConfig(env).s3;
    const client = createS3Client(s3Config);
    try {
      await ensureBucket(client, s3Config.bucket);
    } finally {
      client.destroy();
    }
    say(`s3      ${env.S3_ENDPOINT}${s3Embedded ? ` (embedded s3rver, data in ${path.join(dataDir, 's3')})` : ''} bucket ${s3Config.bucket}`);

    // The API and each worker in its own process
    const workerPorts: number[] = [];
    if (freePorts) {
      env.API_PORT = String(await freePort());
      for (let i = 0; i < workers; i++) workerPorts.push(await freePort());
    } else {
      const base = loadConfig(env).worker.port;
      for (let i = 0; i < workers; i++) workerPorts.push(base + i);
    }
    if (workerPorts.length > 0) env.WORKER_HTTP_PORT = String(workerPorts[0]);
    // One secret for the stack's processes: the workers sign links in webhook bodies that the API verifies.
    env.SIGNING_SECRET ??= randomBytes(32).toString('hex');
    const final = loadConfig(env);
    const apiHost = final.api.host === '0.0.0.0' ? '127.0.0.1' : final.api.host;
    const workerHost = final.worker.host === '0.0.0.0' ? '127.0.0.1' : final.worker.host;
    const apiUrl = `http://${apiHost}:${final.api.port}`;
    const workerUrls = workerPorts.map((port) => `http://${workerHost}:${port}`);
    // A log file is handed to the children as their stdout and stderr, so this process relays nothing (it may be a load generator).
    let stdio: 'inherit' | ['ignore', number, number] = 'inherit';
    if (output !== 'inherit') {
      await mkdir(path.dirname(output), { recursive: true });
      const fd = openSync(output, 'a');
      cleanups.push(async () => closeSync(fd));
      stdio = ['ignore', fd, fd];
    }
    let onExit: (v: { name: string; code: number | null; signal: NodeJS.Signals | null }) => void = () => undefined;
    const exited = new Promise<{ name: string; code: number | null; signal: NodeJS.Signals | null }>((r) => (onExit = r));
    const processes = [
      { name: 'api', args: [...apiNodeArgs, API_MAIN], env: {} },
      ...workerPorts.map((port, i) => ({ name: workers === 1 ? 'worker' : `worker-${i + 1}`, args: [WORKER_MAIN], env: { WORKER_HTTP_PORT: String(port) } })),
    ];
    for (const { name, args, env: own } of processes) {
      // The AWS SDK's Node-version notice was already printed once by this process (it made the bucket); not again per child.
      const childEnv = { ...env, ...own, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
      const child = spawn(process.execPath, args, { env: childEnv, stdio });
      child.once('exit', (code, signal) => onExit({ name, code, signal }));
      children.push({ name, child });
    }
    await waitForHttp(`${apiUrl}/health/ready`, children[0]!.child);
    for (const [i, url] of workerUrls.entries()) await waitForHttp(`${url}/health/ready`, children[i + 1]!.child);
    say(`api     ${apiUrl}`);
    for (const url of workerUrls) say(`worker  ${url}/health/ready`);
    const workerUrl = workerUrls[0] ?? '';
    const pids = Object.fromEntries(children.map(({ name, child }) => [name, child.pid ?? -1]));
    return { apiUrl, workerUrl, workerUrls, pids, env, redis: { url: env.REDIS_URL!, embedded: redisEmbedded }, s3: { endpoint: env.S3_ENDPOINT!, embedded: s3Embedded }, exited, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
