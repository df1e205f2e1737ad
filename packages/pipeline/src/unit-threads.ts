import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** The compiled worker script: next to this file in dist; from the sources (jest) the built copy in dist. */
function unitWorkerScript(): string {
  const here = path.join(__dirname, 'unit-worker.js');
  const script = existsSync(here) ? here : path.join(__dirname, '..', 'dist', 'unit-worker.js');
  if (!existsSync(script)) throw new Error(`render unit worker script not found at ${script} (build @vidgen/pipeline)`);
  return script;
}

/**
 * Idle render threads by painter module, kept between jobs. A fresh thread
 * spends about 250 ms of CPU (and 300-400 ms of wall before its first frame)
 * starting and loading the painter module with its fonts; a job runs up to
 * cores + 1 of them (its units and the stills), every job. At most that many
 * wait per module; they do not keep the process alive.
 */
const idle = new Map<string, Worker[]>();
const maxIdle = cpus().length + 1;
let workerScript: string | undefined;

function spawn(painterModule: string): Worker {
  const worker = new Worker((workerScript ??= unitWorkerScript()), { workerData: { painterModule } });
  // A thread that fails or ends while it waits leaves the pool (a running job listens for itself).
  const leave = () => {
    const list = idle.get(painterModule);
    const i = list?.indexOf(worker) ?? -1;
    if (i >= 0) list!.splice(i, 1);
  };
  worker.on('error', leave);
  worker.on('exit', leave);
  return worker;
}

/** A render thread for one job: an idle one, else a new one. Give it back with releaseUnitThread, or terminate it. */
export function takeUnitThread(painterModule: string): Worker {
  const worker = idle.get(painterModule)?.pop() ?? spawn(painterModule);
  worker.ref();
  return worker;
}

/** A thread whose job ended cleanly waits for the next job; past the limit it ends. */
export function releaseUnitThread(painterModule: string, worker: Worker): void {
  const list = idle.get(painterModule) ?? [];
  if (list.length >= maxIdle) {
    void worker.terminate();
    return;
  }
  worker.unref();
  list.push(worker);
  idle.set(painterModule, list);
}

/** Starts idle threads (the painter module loaded) up to the pool's size, so a worker's first jobs don't pay for them. */
export function warmUnitThreads(painterModule: string): void {
  const list = idle.get(painterModule) ?? [];
  idle.set(painterModule, list);
  while (list.length < maxIdle) {
    const worker = spawn(painterModule);
    worker.unref();
    list.push(worker);
  }
}
