/**
 * A render thread (unit-threads.ts): loads the painter module once, then runs
 * the jobs it is sent, one at a time: a render unit (paints the moving frames
 * of its scene range, pipes them into its own ffmpeg and reports to the
 * parent) or the stills job (paint-stills.ts: the poster's, thumbnails' and
 * sprite's frames). It needs nothing but the plan (and where to write).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isVidgenError } from '@vidgen/core';
import { paintStills, type StillsJob } from './paint-stills';
import { paintUnit, type UnitJob, type UnitMessage } from './paint-unit';

const port = parentPort;
if (!port) throw new Error('unit-worker runs inside a worker thread');
const post = (m: UnitMessage) => port.postMessage(m);
// What a fresh thread spends most of its start on; the jobs' own require() finds it loaded.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require((workerData as { painterModule: string }).painterModule);

let controller: AbortController | null = null;
port.on('message', (m: { type?: string; job?: UnitJob | StillsJob }) => {
  if (m?.type === 'abort') controller?.abort();
  else if (m?.type === 'job' && m.job) void run(m.job);
});

async function run(job: UnitJob | StillsJob): Promise<void> {
  const own = new AbortController();
  controller = own;
  const hooks = { signal: own.signal, onPid: (pid: number) => post({ type: 'pid', pid }) };
  try {
    // The stills (poster, thumbnails, sprite) run in a thread like a unit, with the same messages.
    const done = 'kind' in job && job.kind === 'stills' ? { paintedFrames: 0, ...(await paintStills(job, hooks)) } : await paintUnit(job as UnitJob, { ...hooks, onFrames: (frames) => post({ type: 'frames', frames }) });
    post({ type: 'done', ...done });
  } catch (err) {
    post({
      type: 'error',
      code: isVidgenError(err) ? err.code : null,
      message: err instanceof Error ? err.message : String(err),
      details: isVidgenError(err) ? (err.details ?? null) : null,
    });
  } finally {
    if (controller === own) controller = null;
  }
}
