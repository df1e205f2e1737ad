/**
 * A render unit inside a worker thread: paints the moving frames of its scene
 * range, pipes them into its own ffmpeg and reports to the parent. Or the
 * stills job (paint-stills.ts): the poster's, thumbnails' and sprite's frames. Loaded by
 * render-unit.ts; it needs nothing but the plan (and where to write).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isVidgenError } from '@vidgen/core';
import { paintStills, type StillsJob } from './paint-stills';
import { paintUnit, type UnitJob, type UnitMessage } from './paint-unit';

const port = parentPort;
if (!port) throw new Error('unit-worker runs inside a worker thread');
const controller = new AbortController();
port.on('message', (m: { type?: string }) => {
  if (m?.type === 'abort') controller.abort();
});
const post = (m: UnitMessage) => port.postMessage(m);

const job = workerData as UnitJob | StillsJob;
const hooks = { signal: controller.signal, onPid: (pid: number) => post({ type: 'pid', pid }) };
// The stills (poster, thumbnails, sprite) run in a thread of their own like a unit, with the same messages.
const run = 'kind' in job && job.kind === 'stills' ? paintStills(job, hooks).then((d) => ({ paintedFrames: 0, ...d })) : paintUnit(job as UnitJob, { ...hooks, onFrames: (frames) => post({ type: 'frames', frames }) });
run
  .then(
    (done) => post({ type: 'done', ...done }),
    (err: unknown) =>
      post({
        type: 'error',
        code: isVidgenError(err) ? err.code : null,
        message: err instanceof Error ? err.message : String(err),
        details: isVidgenError(err) ? (err.details ?? null) : null,
      }),
  )
  // The abort listener would keep the thread alive: let it end once the outcome is posted.
  .finally(() => port.unref());
