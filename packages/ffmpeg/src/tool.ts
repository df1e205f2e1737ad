import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

/** SIGKILLs a child started with `detached: true` and everything in its process group (the child alone if the group is gone). */
export function killProcessGroup(pid: number | undefined): void {
  killGroup(pid);
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export interface RunToolOptions {
  path: string;
  args: readonly string[];
  signal?: AbortSignal;
  /** Past this the process group is killed and the run ends as 'timeout'. */
  timeoutMs?: number;
  cwd?: string;
  /** Variables added to this process's environment for the tool. */
  env?: Record<string, string>;
  /** How much of stderr to keep. */
  stderrTailBytes?: number;
  /** Each stdout line as it arrives (ffmpeg's -progress). Without it stdout is collected, up to maxStdoutBytes. */
  onStdoutLine?: (line: string) => void;
  /** Collected stdout beyond this kills the process group and ends the run as 'overflow'. */
  maxStdoutBytes?: number;
  /**
   * Gives the tool a stdin pipe (otherwise stdin is ignored) and hands it over
   * once the process has started, with the pid (for a caller that must kill
   * the group from elsewhere). Write errors (EPIPE when the tool exits early)
   * are swallowed here: the run's outcome reports how the tool ended.
   */
  onStdin?: (stdin: Writable, pid: number) => void;
}

export type ToolRun =
  | { outcome: 'exited'; code: number | null; signal: NodeJS.Signals | null; stdout: string; stderrTail: string; durationMs: number }
  | { outcome: 'aborted' | 'timeout' | 'overflow'; stderrTail: string }
  | { outcome: 'spawn_error'; error: NodeJS.ErrnoException };

/**
 * Runs a media tool (ffmpeg, ffprobe) with an argument array, never a shell,
 * in its own process group, so an abort, the time limit or an output overflow
 * kills it and anything it started. Settles once the process is gone, with how
 * it ended; the callers map that into the error taxonomy. Never rejects.
 */
export function runTool(options: RunToolOptions): Promise<ToolRun> {
  const { path, args, signal, timeoutMs, cwd, env, stderrTailBytes = 4096, onStdoutLine, maxStdoutBytes = 16 * 1024 * 1024, onStdin } = options;
  const started = Date.now();
  return new Promise<ToolRun>((resolve) => {
    if (signal?.aborted) return resolve({ outcome: 'aborted', stderrTail: '' });
    const child = spawn(path, [...args], { cwd, env: env ? { ...process.env, ...env } : undefined, detached: true, stdio: [onStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let pending = '';
    let stderr = '';
    let stopped: 'timeout' | 'overflow' | null = null;
    let settled = false;

    const stop = (reason: 'timeout' | 'overflow') => {
      stopped ??= reason;
      killGroup(child.pid);
    };
    const onAbort = () => killGroup(child.pid);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timeoutMs === undefined ? null : setTimeout(() => stop('timeout'), timeoutMs);
    if (onStdin && child.stdin) {
      child.stdin.on('error', () => {});
      if (child.pid !== undefined) onStdin(child.stdin, child.pid);
    }

    // stdout and stderr are always pipes (stdio above), stdin only with onStdin.
    const outPipe = child.stdout!;
    const errPipe = child.stderr!;
    outPipe.setEncoding('utf8');
    outPipe.on('data', (chunk: string) => {
      if (!onStdoutLine) {
        stdout += chunk;
        if (stdout.length > maxStdoutBytes) stop('overflow');
        return;
      }
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        onStdoutLine(line);
      }
    });
    errPipe.setEncoding('utf8');
    errPipe.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-stderrTailBytes);
    });

    const finish = (run: ToolRun) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(run);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Spawn failed (or the pipes broke): make sure nothing is left.
      killGroup(child.pid);
      finish({ outcome: 'spawn_error', error });
    });
    child.on('close', (code, sig) => {
      if (signal?.aborted) finish({ outcome: 'aborted', stderrTail: stderr });
      else if (stopped) finish({ outcome: stopped, stderrTail: stderr });
      else finish({ outcome: 'exited', code, signal: sig, stdout, stderrTail: stderr, durationMs: Date.now() - started });
    });
  });
}
