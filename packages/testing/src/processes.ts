import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@vidgen/embedded';
import { waitFor } from './wait';

const REPO_ROOT = path.resolve(__dirname, '../../..');
export const API_MAIN = path.join(REPO_ROOT, 'apps/api/dist/main.js');
export const WORKER_MAIN = path.join(REPO_ROOT, 'apps/worker/dist/main.js');

export interface ChildHandle {
  child: ChildProcess;
  /** Everything the process wrote so far (stdout and stderr). */
  output(): string;
  /** Parsed JSON log lines. */
  logLines(): Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnNode(main: string, env: Record<string, string>): ChildHandle {
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => out,
    logLines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, unknown>;
          } catch {
            return {};
          }
        }),
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface WorkerHandle extends ChildHandle {
  healthUrl: string;
}

/** Starts an app (`main`) with its HTTP port on a free one (`portVar`) and waits until /health/ready answers 200. */
async function startService(main: string, portVar: string, env: Record<string, string>, what: string): Promise<WorkerHandle> {
  const port = await freePort();
  const handle = spawnNode(main, { [portVar]: String(port), ...env });
  const healthUrl = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (handle.child.exitCode !== null) throw new Error(`${what} exited early:\n${handle.output()}`);
        try {
          return (await fetch(`${healthUrl}/health/ready`)).status;
        } catch {
          return 0;
        }
      },
      (s) => s === 200,
      // Generous: on a loaded 2-core machine a start takes several seconds.
      { timeoutMs: 60000, what: `${what} readiness` },
    );
  } catch (err) {
    await handle.stop('SIGKILL'); // never leave a half-started process behind
    throw err;
  }
  return { ...handle, healthUrl };
}

/** Starts a worker as its own process and waits until /health/ready answers 200. */
export function startWorkerProcess(env: Record<string, string>): Promise<WorkerHandle> {
  return startService(WORKER_MAIN, 'WORKER_HTTP_PORT', env, 'worker');
}

/** Starts the API as its own process and waits until /health/ready answers 200; `healthUrl` is its base URL. */
export function startApiProcess(env: Record<string, string>): Promise<WorkerHandle> {
  return startService(API_MAIN, 'API_PORT', env, 'api');
}
