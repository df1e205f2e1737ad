import type Redis from 'ioredis';
import { JobProgressTracker, ProgressSubscriber, progressChannel, type ProgressEvent } from '@vidgen/progress';
import { deleteKeysWithPrefix } from '@vidgen/queue';
import { connect, uniquePrefix } from './helpers';

const prefix = uniquePrefix('subscriber');
let writers: Redis[];
let subConnection: Redis;
let subscriber: ProgressSubscriber;
let trackers: JobProgressTracker[];

beforeAll(async () => {
  writers = [connect(), connect()];
  subConnection = connect();
  subscriber = new ProgressSubscriber({ redis: subConnection, prefix });
  await subscriber.start();
  trackers = writers.map((redis) => new JobProgressTracker({ redis, prefix }));
});

afterAll(async () => {
  await subscriber.close();
  await subConnection.quit();
  const first = writers[0] as Redis;
  await deleteKeysWithPrefix(first, prefix);
  await Promise.all(writers.map((w) => w.quit()));
});

/** Records a job's events; `until(v)` resolves once an event with version >= v has arrived. */
function listen(jobId: string) {
  const events: ProgressEvent[] = [];
  const waiters: Array<{ version: number; resolve: () => void }> = [];
  const off = subscriber.on(jobId, (event) => {
    events.push(event);
    for (const w of waiters) if (event.version >= w.version) w.resolve();
  });
  const until = (version: number) =>
    new Promise<void>((resolve) => {
      if (events.some((e) => e.version >= version)) resolve();
      else waiters.push({ version, resolve });
    });
  return { events, off, until };
}

async function startRun(jobId: string): Promise<{ runId: string; version: number }> {
  const run = await (trackers[0] as JobProgressTracker).startRun(jobId, { attempt: 1 });
  if (!run.ok) throw new Error(run.reason);
  return run;
}

it('subscribes once however often start is called', async () => {
  await subscriber.start();
  await subscriber.start();
  const channel = progressChannel(prefix);
  expect(await (writers[0] as Redis).pubsub('NUMSUB', channel)).toEqual([channel, 1]);
});

it('delivers a job’s events in version order, one per accepted write, matching what was accepted', async () => {
  const jobId = 'ordered';
  const listener = listen(jobId);
  const run = await startRun(jobId);
  // Two connections racing with pipelined writes: some are refused, the rest get versions.
  const writes = [];
  for (let i = 1; i <= 60; i += 1) {
    const tracker = trackers[i % 2] as JobProgressTracker;
    writes.push(tracker.update(jobId, run.runId, i <= 30 ? 'planning' : 'rendering_scenes', (i % 30) * 3));
  }
  const results = await Promise.all(writes);
  const accepted = results.flatMap((r) => (r.ok ? [r] : [])).sort((a, b) => a.version - b.version);
  const last = accepted.at(-1)?.version ?? run.version;
  await listener.until(last);
  listener.off();

  expect(listener.events.map((e) => e.version)).toEqual([run.version, ...accepted.map((r) => r.version)]);
  expect(listener.events.slice(1).map((e) => [e.current_stage, e.stage_percentage, e.percentage])).toEqual(
    accepted.map((r) => [r.current_stage, r.stage_percentage, r.percentage]),
  );
  expect(listener.events.every((e) => e.job_id === jobId && e.run_id === run.runId && e.attempt === 1)).toBe(true);
});

it('delivers only to the job’s own listeners, and not after unsubscribing', async () => {
  const a1 = listen('job-a');
  const a2 = listen('job-a');
  const b = listen('job-b');
  const run = await startRun('job-a');
  await Promise.all([a1.until(run.version), a2.until(run.version)]);
  a1.off();
  const second = await (trackers[0] as JobProgressTracker).update('job-a', run.runId, 'planning', 50);
  if (!second.ok) throw new Error(second.reason);
  await a2.until(second.version);
  expect(a1.events.map((e) => e.version)).toEqual([run.version]);
  expect(a2.events.map((e) => e.version)).toEqual([run.version, second.version]);
  expect(b.events).toEqual([]);
  a2.off();
  b.off();
  expect(subscriber.jobCount).toBe(0);
});

it('ignores malformed messages and listeners that throw', async () => {
  const channel = progressChannel(prefix);
  const throwing = subscriber.on('job-c', () => {
    throw new Error('listener bug');
  });
  const c = listen('job-c');
  await (writers[0] as Redis).publish(channel, 'not json');
  await (writers[0] as Redis).publish(channel, JSON.stringify({ job_id: 'job-c' }));
  const run = await startRun('job-c');
  await c.until(run.version);
  expect(c.events.map((e) => e.version)).toEqual([run.version]);
  throwing();
  c.off();
});
