import Redis from 'ioredis';
import { VidgenError } from '@vidgen/core';
import { publishCancel } from '@vidgen/queue';
import { SHARED_REDIS_URL, uniqueName, waitFor } from '@vidgen/testing';
import { CancellationRegistry } from '../src/cancellation';

const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } } as never;

describe('CancellationRegistry against real Redis', () => {
  const prefix = uniqueName('vgtest-cancel');
  let publisher: Redis;
  let registry: CancellationRegistry;

  beforeAll(async () => {
    publisher = new Redis(SHARED_REDIS_URL);
    registry = new CancellationRegistry({ redisUrl: SHARED_REDIS_URL, prefix, logger });
    await registry.start();
  });

  afterAll(async () => {
    await registry.close();
    publisher.disconnect();
  });

  it('aborts the signal of a job when publishCancel names it, with JOB_CANCELLED as the reason', async () => {
    const signal = registry.signalFor('job-a');
    const other = registry.signalFor('job-b');
    expect(signal.aborted).toBe(false);
    expect(await publishCancel(publisher, prefix, 'job-a')).toBeGreaterThanOrEqual(1);
    await waitFor(async () => signal.aborted, (a) => a, { timeoutMs: 5000, what: 'the abort' });
    expect(signal.reason).toBeInstanceOf(VidgenError);
    expect((signal.reason as VidgenError).code).toBe('JOB_CANCELLED');
    expect(other.aborted).toBe(false);
    registry.release('job-a');
    registry.release('job-b');
    expect(registry.size).toBe(0);
  });

  it('hands out one signal per job until release', () => {
    const a = registry.signalFor('job-c');
    expect(registry.signalFor('job-c')).toBe(a);
    registry.release('job-c');
    expect(registry.signalFor('job-c')).not.toBe(a);
    registry.release('job-c');
  });

  it('starts a job aborted when its cancel arrived just before it asked for a signal', async () => {
    await publishCancel(publisher, prefix, 'job-early');
    // The message is in flight; wait until the registry has seen it (it remembers cancels of unknown jobs).
    const probe = () => {
      const s = registry.signalFor('job-early');
      const aborted = s.aborted;
      if (!aborted) registry.release('job-early');
      return Promise.resolve(aborted);
    };
    expect(await waitFor(probe, (a) => a, { timeoutMs: 5000, what: 'the early cancel' })).toBe(true);
    registry.release('job-early');
  });

  it('aborts locally with another reason (a time limit)', () => {
    const s = registry.signalFor('job-t');
    expect(registry.abort('job-t', new VidgenError('JOB_TIMEOUT'))).toBe(true);
    expect((s.reason as VidgenError).code).toBe('JOB_TIMEOUT');
    registry.release('job-t');
    expect(registry.abort('unknown-job', new VidgenError('JOB_TIMEOUT'))).toBe(false);
    // A timeout of a job without a signal is not remembered as a cancel.
    expect(registry.signalFor('unknown-job').aborted).toBe(false);
    registry.release('unknown-job');
  });

  it('ignores messages of other deployments and malformed ones', async () => {
    const s = registry.signalFor('job-d');
    await publishCancel(publisher, `${prefix}-other`, 'job-d');
    await publisher.publish(`${prefix}:control`, 'not json');
    // A cancel of another job on the right channel, published after the two above, arrives after them.
    const marker = registry.signalFor('job-marker');
    await publishCancel(publisher, prefix, 'job-marker');
    await waitFor(async () => marker.aborted, (a) => a, { timeoutMs: 5000, what: 'the marker' });
    expect(s.aborted).toBe(false);
    registry.release('job-d');
    registry.release('job-marker');
  });
});
