import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { freePort, isPortOpen } from './ports';

export interface RedisServerOptions {
  /** A fixed port, e.g. to restart a server on the same port; default: a free one. */
  port?: number;
  /** Data directory; with appendOnly the data survives a restart. */
  dir: string;
  appendOnly?: boolean;
  /**
   * fsync the AOF after every write. Crash tests (SIGKILL, then restart) need it:
   * with Redis' default of once a second, the last writes before a crash are lost.
   */
  fsyncEveryWrite?: boolean;
  binary?: string;
}

export interface RedisServer {
  url: string;
  port: number;
  process: ChildProcess;
  /** SIGKILL: a crash, for outage tests. */
  kill(): Promise<void>;
  /** SIGTERM: a clean stop. */
  stop(): Promise<void>;
}

export function redisServerAvailable(binary = 'redis-server'): boolean {
  const r = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Starts a private redis-server (never the shared one) and waits until it accepts connections. */
export async function startRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const { dir, appendOnly = false, fsyncEveryWrite = false, binary = 'redis-server' } = options;
  const port = options.port ?? (await freePort());
  await mkdir(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', path.resolve(dir), '--save', '', '--appendonly', appendOnly ? 'yes' : 'no', '--appendfsync', fsyncEveryWrite ? 'always' : 'everysec', '--daemonize', 'no'];
  const child = spawn(binary, args, { stdio: 'ignore' });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const deadline = Date.now() + 10000;
  while (!(await isPortOpen(port))) {
    if (exited) throw new Error(`redis-server exited before accepting connections on port ${port}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const signal = async (sig: NodeJS.Signals) => {
    if (!exited) child.kill(sig);
    await exitPromise;
  };
  return { url: `redis://127.0.0.1:${port}`, port, process: child, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
