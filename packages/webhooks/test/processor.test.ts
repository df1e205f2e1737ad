import { VidgenError, type JobRecord } from '@vidgen/core';
import type { ConsumedJob, WebhookPayload } from '@vidgen/queue';
import { createWebhookProcessor, verifySignature, type DeliveryAttempt, type SendOptions } from '@vidgen/webhooks';

const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } } as never;

function record(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    job_id: 'j1',
    owner: 'o1',
    correlation_id: 'c',
    status: 'completed',
    progress: { percentage: 100, stage: 'completed' },
    configuration: { topic: 't', quality: 'low' },
    attempt: 1,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:01.000Z',
    started_at: '2026-01-01T00:00:00.500Z',
    completed_at: '2026-01-01T00:00:01.000Z',
    error: null,
    result: null,
    callback_url: 'https://hooks.example.com/x',
    ...overrides,
  };
}

function bullJob(attemptsMade: number, attempts = 3, data: Partial<WebhookPayload> = {}) {
  const discarded = { value: false };
  const job: ConsumedJob<WebhookPayload> = {
    id: 'evt_1',
    data: { event_id: 'evt_1', event: 'job.completed', job_id: 'j1', occurred_at: 1_000_000, ...data },
    attempt: attemptsMade + 1,
    attemptsAllowed: attempts,
    retryEvenIfLast: () => undefined,
    failPermanently: async () => void (discarded.value = true),
  };
  return { job, discarded };
}

function setup(send: (o: SendOptions) => Promise<{ statusCode: number; address: string | null }>, rec: JobRecord | null = record()) {
  const attempts: DeliveryAttempt[] = [];
  const sent: SendOptions[] = [];
  const processor = createWebhookProcessor({
    getRecord: async () => rec,
    present: async (r) => ({ job_id: r.job_id, status: r.status }),
    recordAttempt: async (_id, a) => void attempts.push(a),
    secrets: new Map([['o1', 'owner-one-secret-123']]),
    allowPrivate: false,
    timeoutMs: 1000,
    retryWindowMs: 60_000,
    logger,
    now: () => 1_000_500,
    send: (o) => {
      sent.push(o);
      return send(o);
    },
  });
  return { processor, attempts, sent };
}

describe('webhook delivery processor', () => {
  it('sends the signed event with its headers and records a successful attempt', async () => {
    const { processor, attempts, sent } = setup(async () => ({ statusCode: 200, address: '93.184.216.34' }));
    await processor(bullJob(0).job);
    const [req] = sent;
    expect(JSON.parse(req!.body)).toEqual({ event: 'job.completed', event_id: 'evt_1', job: { job_id: 'j1', status: 'completed' } });
    expect(req!.headers['X-Vidgen-Event']).toBe('job.completed');
    expect(req!.headers['X-Vidgen-Delivery']).toBe('evt_1');
    expect(verifySignature({ secret: 'owner-one-secret-123', body: req!.body, header: req!.headers['X-Vidgen-Signature'], nowSeconds: 1000 })).toBe(true);
    expect(attempts).toEqual([expect.objectContaining({ event_id: 'evt_1', attempt: 1, ok: true, status_code: 200 })]);
  });

  it('throws on a non-2xx answer so Bull retries, recording the attempt', async () => {
    const { processor, attempts } = setup(async () => ({ statusCode: 503, address: null }));
    const { job, discarded } = bullJob(0);
    await expect(processor(job)).rejects.toThrow('503');
    expect(discarded.value).toBe(false);
    expect(attempts).toEqual([expect.objectContaining({ ok: false, status_code: 503, error_code: 'WEBHOOK_DELIVERY_FAILED', will_retry: true })]);
  });

  it('discards a refused URL at once: retrying cannot help', async () => {
    const { processor, attempts } = setup(async () => Promise.reject(new VidgenError('CALLBACK_URL_NOT_ALLOWED')));
    const { job, discarded } = bullJob(0);
    await expect(processor(job)).rejects.toThrow();
    expect(discarded.value).toBe(true);
    expect(attempts[0]).toMatchObject({ ok: false, status_code: null, error_code: 'CALLBACK_URL_NOT_ALLOWED', will_retry: false });
  });

  it('stops after the last attempt and once the retry window is over', async () => {
    const last = setup(async () => ({ statusCode: 500, address: null }));
    const final = bullJob(2, 3);
    await expect(last.processor(final.job)).rejects.toThrow();
    expect(final.discarded.value).toBe(true);
    expect(last.attempts[0]).toMatchObject({ attempt: 3, will_retry: false });

    const late = setup(async () => ({ statusCode: 500, address: null }));
    const old = bullJob(0, 10, { occurred_at: 1_000_500 - 60_000 });
    await expect(late.processor(old.job)).rejects.toThrow();
    expect(old.discarded.value).toBe(true);
  });

  it('skips a job that was deleted or has no callback URL, and leaves deliveries of unknown owners unsigned', async () => {
    const gone = setup(async () => ({ statusCode: 200, address: null }), null);
    await gone.processor(bullJob(0).job);
    expect(gone.sent).toHaveLength(0);
    const stranger = setup(async () => ({ statusCode: 200, address: null }), record({ owner: 'o2' }));
    await stranger.processor(bullJob(0).job);
    expect(stranger.sent[0]!.headers['X-Vidgen-Signature']).toBeUndefined();
  });
});
