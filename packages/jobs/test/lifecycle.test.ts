import { VidgenError, silentLogger, type JobRecord } from '@vidgen/core';
import { cancelJob, deleteJob, retryJob, submitJob, type ControlDeps, type SubmitDeps, type Transaction } from '@vidgen/jobs';

// The submit and control rules against fakes of the ports (no Redis, no queue): what is called,
// in which order, and what is given back when a step fails. The real adapters are covered by
// the API's tests (apps/api/test/job-control, quotas, idempotency) on a real Redis and Bull.

function record(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    job_id: 'j1',
    owner: 'alice',
    status: 'failed',
    attempt: 2,
    started_at: null,
    configuration: { topic: 'a topic', quality: 'low', subtitles: false, narration: false },
    ...overrides,
  } as JobRecord;
}

function controlDeps(calls: string[], overrides: Partial<ControlDeps> = {}): ControlDeps {
  return {
    store: {
      cancel: async () => (calls.push('cancel'), 'ok'),
      queueJobId: async (id) => `${id}-r1`,
      resubmissions: async () => 1,
      resubmit: async () => (calls.push('resubmit'), { ok: true, resubmission: 2 }),
      fail: async (_id, error) => (calls.push(`fail ${error.code}`), 'ok'),
      deleteWith: async (_id, _owner, inTx) => {
        const tx: string[] = [];
        inTx(tx as unknown as Transaction);
        calls.push(`deleteWith [${tx.join(', ')}]`);
      },
    },
    queue: {
      enqueue: async (payload, options) => void calls.push(`enqueue ${payload.job_id} ${options.queueJobId ?? payload.job_id}`),
      remove: async (id) => (calls.push(`remove ${id}`), true),
    },
    purges: { enqueuePurge: async (p, o) => void calls.push(`purge ${p.job_id}${o?.delayMs ? ` +${o.delayMs}` : ''}`) },
    publishCancel: async (id) => (calls.push(`publishCancel ${id}`), 1),
    jobData: [
      { forgetJobIn: (tx) => void (tx as unknown as string[]).push('progress') },
      { forgetJobIn: (tx, _id, owner) => void (tx as unknown as string[]).push(`metadata of ${owner}`) },
    ],
    attempts: 3,
    backoffMs: 100,
    logger: silentLogger,
    ...overrides,
  };
}

describe('cancelJob', () => {
  it('cancels the record, gives back the seconds, drops the waiting queue job, tells the workers, purges twice (the record\'s cancel ends the run itself)', async () => {
    const calls: string[] = [];
    const videoBudget = { limitSeconds: 60, reserve: async () => ({ ok: true as const }), release: async (o: string, id: string) => (calls.push(`release ${o} ${id}`), true) };
    const deps = controlDeps(calls, { videoBudget, cancelSweepDelayMs: 5000 });
    expect(await cancelJob(deps, record({ status: 'processing', started_at: 'x' }), 'c1')).toBe('ok');
    expect(calls).toEqual(['cancel', 'release alice j1-r1', 'remove j1-r1', 'publishCancel j1', 'purge j1', 'purge j1 +5000']);
  });

  it('returns the refusing status and does nothing else when the job had ended', async () => {
    const calls: string[] = [];
    const deps = controlDeps(calls);
    deps.store.cancel = async () => (calls.push('cancel'), 'completed');
    expect(await cancelJob(deps, record({ status: 'completed' }), 'c1')).toBe('completed');
    expect(calls).toEqual(['cancel']);
  });
});

describe('retryJob', () => {
  it('enqueues the resubmission under a fresh queue job id', async () => {
    const calls: string[] = [];
    expect(await retryJob(controlDeps(calls), record(), 'c1')).toEqual({ resubmission: 2, queueJobId: 'j1-r2' });
    expect(calls).toEqual(['resubmit', 'enqueue j1 j1-r2']);
  });

  it('puts the job back to failed and gives back its seconds when the queue refuses it', async () => {
    const calls: string[] = [];
    const videoBudget = { limitSeconds: 600, reserve: async () => ({ ok: true as const }), release: async (o: string, id: string) => (calls.push(`release ${o} ${id}`), true) };
    const deps = controlDeps(calls, { videoBudget });
    deps.queue.enqueue = async () => Promise.reject(new Error('redis down'));
    await expect(retryJob(deps, record(), 'c1')).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
    expect(calls).toEqual(['resubmit', 'release alice j1-r2', 'fail REDIS_UNAVAILABLE']);
  });

  it('refuses a job that is not failed or cancelled (any more), releasing what it reserved', async () => {
    const calls: string[] = [];
    const videoBudget = { limitSeconds: 600, reserve: async () => ({ ok: true as const }), release: async (o: string, id: string) => (calls.push(`release ${o} ${id}`), true) };
    const deps = controlDeps(calls, { videoBudget });
    deps.store.resubmit = async () => ({ ok: false, status: 'completed' });
    await expect(retryJob(deps, record(), 'c1')).rejects.toMatchObject({ code: 'JOB_NOT_RETRYABLE', details: { status: 'completed' } });
    expect(calls).toEqual(['release alice j1-r2']);
  });

  it('answers RATE_LIMITED with the seconds to wait, before anything is changed', async () => {
    const calls: string[] = [];
    const deps = controlDeps(calls, { rateLimiter: { take: async () => ({ allowed: false, retryAfterSeconds: 7 }) } });
    await expect(retryJob(deps, record(), 'c1')).rejects.toMatchObject({ code: 'RATE_LIMITED', details: { retry_after_seconds: 7 } });
    expect(calls).toEqual([]);
  });
});

describe('deleteJob', () => {
  it('cancels a running job, purges its objects and forgets every package’s data in the record’s transaction', async () => {
    const calls: string[] = [];
    await deleteJob(controlDeps(calls), record({ status: 'queued' }), 'c1');
    expect(calls).toEqual(['cancel', 'remove j1-r1', 'publishCancel j1', 'purge j1', 'deleteWith [progress, metadata of alice]']);
  });
});

describe('submitJob', () => {
  function submitDeps(calls: string[], overrides: Partial<SubmitDeps> = {}): SubmitDeps {
    return {
      store: {
        get: async () => null,
        createWith: async (job, inTx) => {
          inTx({});
          calls.push(`create ${job.job_id}`);
          return { record: { ...record({ status: 'queued' }), job_id: job.job_id }, replies: [] };
        },
        remove: async (id) => void calls.push(`remove ${id}`),
      },
      queue: { enqueue: async (p) => void calls.push(`enqueue ${p.job_id}`) },
      idempotency: { claim: async () => ({ claimed: true }), release: async (_o, key) => void calls.push(`release key ${key}`) },
      videoBudget: { limitSeconds: 600, reserve: async () => (calls.push('reserve'), { ok: true }), release: async () => (calls.push('release seconds'), true) },
      attempts: 3,
      backoffMs: 100,
      enqueueTimeoutMs: 1000,
      logger: silentLogger,
      ...overrides,
    };
  }
  const submission = { jobId: 'j9', owner: 'alice', correlationId: 'c9', request: { configuration: record().configuration }, plannedSeconds: 30, idempotencyKey: 'k1' };

  it('admits, records and enqueues', async () => {
    const calls: string[] = [];
    const outcome = await submitJob(submitDeps(calls), submission);
    expect(outcome).toMatchObject({ kind: 'created', record: { job_id: 'j9' } });
    expect(calls).toEqual(['reserve', 'create j9', 'enqueue j9']);
  });

  it('leaves nothing behind when the queue refuses: record removed, seconds and key given back', async () => {
    const calls: string[] = [];
    const deps = submitDeps(calls);
    deps.queue = { enqueue: async () => Promise.reject(new Error('no queue')) };
    await expect(submitJob(deps, submission)).rejects.toMatchObject({ code: 'REDIS_UNAVAILABLE' });
    expect(calls).toEqual(['reserve', 'create j9', 'remove j9', 'release seconds', 'release key k1']);
  });

  it('frees the idempotency key when the daily seconds are spent', async () => {
    const calls: string[] = [];
    const freesAt = new Date(Date.now() + 90_000);
    const deps = submitDeps(calls, { videoBudget: { limitSeconds: 60, reserve: async () => ({ ok: false, usedSeconds: 50, reservedSeconds: 10, freesAt }), release: async () => true } });
    const err: VidgenError = await submitJob(deps, submission).then(
      () => Promise.reject(new Error('admitted')),
      (e: VidgenError) => e,
    );
    expect(err).toMatchObject({ code: 'VIDEO_QUOTA_EXCEEDED', details: { limit_seconds: 60, used_seconds: 50, reserved_seconds: 10, requested_seconds: 30 } });
    expect((err.details as { retry_after_seconds: number }).retry_after_seconds).toBeGreaterThanOrEqual(89);
    expect(calls).toEqual(['release key k1']);
  });
});
