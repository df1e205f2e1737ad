import { STAGE_NAMES, type JobRecord } from '@vidgen/core';
import type { ProgressSnapshot } from '@vidgen/progress';
import { createEventTokens, presentProgress, signEventToken, verifyEventToken } from '@vidgen/jobs';

const JOB = '6f1c1d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
const SECRET = 'unit-secret-0123456789abcdef0123456789';

describe('event tokens', () => {
  it('verifies its own token for its job until it expires', () => {
    let now = 1_000_000_000_000;
    const tokens = createEventTokens({ secret: SECRET, ttlSeconds: 60, clock: () => now });
    const token = tokens.mint(JOB, 'own.er-1');
    expect(tokens.verify(token, JOB)).toEqual({ ok: true, owner: 'own.er-1' });
    expect(tokens.verify(token, JOB.replace('6f', '7f'))).toEqual({ ok: false, reason: 'signature' });
    now += 60_000;
    expect(tokens.verify(token, JOB)).toEqual({ ok: false, reason: 'expired' });
  });

  it('mints exactly what signEventToken makes, for each job, owner and second (remembered tokens included)', () => {
    let now = 1_000_000_000_400;
    const tokens = createEventTokens({ secret: SECRET, ttlSeconds: 60, clock: () => now });
    const hls = createEventTokens({ secret: SECRET, ttlSeconds: 60, clock: () => now, scope: 'hls' });
    const expected = (jobId: string, owner: string, scope: 'events' | 'hls' = 'events') =>
      signEventToken(SECRET, { jobId, owner, expiresAt: Math.floor(now / 1000) + 60 }, scope);
    const first = tokens.mint(JOB, 'o');
    expect(first).toBe(expected(JOB, 'o'));
    now += 500; // the same second
    expect(tokens.mint(JOB, 'o')).toBe(first);
    expect(tokens.mint(JOB, 'p')).toBe(expected(JOB, 'p'));
    expect(tokens.mint(JOB.replace('6f', '7f'), 'o')).toBe(expected(JOB.replace('6f', '7f'), 'o'));
    expect(hls.mint(JOB, 'o')).toBe(expected(JOB, 'o', 'hls'));
    expect(hls.mint(JOB, 'o')).not.toBe(first);
    now += 100; // the next second: a later expiry
    const next = tokens.mint(JOB, 'o');
    expect(next).toBe(expected(JOB, 'o'));
    expect(next).not.toBe(first);
    expect(tokens.verify(next, JOB)).toEqual({ ok: true, owner: 'o' });
  });

  it('reads an altered expiry as tampering and rejects malformed tokens', () => {
    const token = signEventToken(SECRET, { jobId: JOB, owner: 'o', expiresAt: 100 });
    const [v, , owner, sig] = token.split('.');
    expect(verifyEventToken(SECRET, `${v}.200.${owner}.${sig}`, JOB, 50)).toEqual({ ok: false, reason: 'signature' });
    for (const bad of ['', 'v1', 'v2.100.bw.xx', `v1.abc.${owner}.${sig}`, `v1.100.${owner}.${sig}x`]) {
      expect(verifyEventToken(SECRET, bad, JOB, 50)).toMatchObject({ ok: false });
    }
  });
});

describe('presentProgress', () => {
  const record = (over: Partial<JobRecord>): JobRecord => ({
    job_id: JOB,
    owner: 'o',
    correlation_id: 'c',
    status: 'processing',
    progress: { percentage: 0, stage: 'queued' },
    configuration: { topic: 't', quality: 'low' },
    attempt: 1,
    created_at: '',
    updated_at: '',
    started_at: null,
    completed_at: null,
    error: null,
    result: null,
    ...over,
  });
  const snapshot = (over: Partial<ProgressSnapshot>): ProgressSnapshot => ({
    percentage: 40,
    stage: 'combining',
    stage_percentage: 20,
    stages: STAGE_NAMES.map((name, i) => ({ name, status: i < 3 ? 'done' : i === 3 ? 'active' : 'pending', started_at: null, completed_at: null, duration_ms: null })),
    eta_seconds: 12,
    attempt: 1,
    run_id: 'r',
    status: 'processing',
    version: 7,
    updated_at: '',
    ...over,
  });

  it('shows a completed record as completed, its run ended or not', () => {
    const state = presentProgress(record({ status: 'completed' }), snapshot({}));
    expect(state).toMatchObject({ status: 'completed', version: 7, progress: { percentage: 100, stage: 'completed', eta_seconds: 0 } });
    expect(state.progress.stages.every((s) => s.status === 'done')).toBe(true);
    expect(presentProgress(record({ status: 'completed' }), snapshot({ status: 'completed', version: 8 }))).toMatchObject({ version: 8, progress: { stage: 'completed' } });
  });

  it('shows a failure where the run stopped, also with a run of an older attempt or none', () => {
    const failed = presentProgress(record({ status: 'failed', progress: { percentage: 40, stage: 'failed' } }), snapshot({ status: 'failed', stage: 'failed' }));
    expect(failed).toMatchObject({ progress: { percentage: 40, stage: 'failed', eta_seconds: null } });
    expect(presentProgress(record({ status: 'failed', attempt: 2 }), snapshot({})).progress.stage).toBe('failed');
    expect(presentProgress(record({ status: 'failed' }), null)).toMatchObject({ version: 0, progress: { stage: 'failed' } });
  });

  it('shows the queued view for a retry pending or a run of an older attempt', () => {
    for (const r of [record({ status: 'queued' }), record({ status: 'processing', attempt: 2 })]) {
      expect(presentProgress(r, snapshot({})).progress).toMatchObject({ percentage: 0, stage: 'queued', eta_seconds: null });
    }
  });
});
