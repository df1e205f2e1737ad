import { STAGE_NAMES } from '@vidgen/core';
import { parseProgressEvent, parseSnapshot } from '@vidgen/progress';

describe('parseSnapshot', () => {
  it('returns null for a job without progress', () => {
    expect(parseSnapshot({}, 0)).toBeNull();
  });

  it('derives durations, ETA and ISO times from the stored hash', () => {
    const start = Date.UTC(2024, 0, 1);
    const hash: Record<string, string> = {
      run_id: 'r1',
      attempt: '2',
      status: 'processing',
      stage: 'rendering_scenes',
      stage_percentage: '50',
      percentage: '25',
      version: '7',
      run_started_at: String(start),
      updated_at: String(start + 10_000),
      'queued:status': 'done',
      'queued:started_at': String(start),
      'queued:completed_at': String(start + 1000),
      'rendering_scenes:status': 'active',
      'rendering_scenes:started_at': String(start + 1000),
    };
    const snap = parseSnapshot(hash, start + 10_000);
    expect(snap).toMatchObject({ percentage: 25, stage: 'rendering_scenes', stage_percentage: 50, attempt: 2, version: 7, eta_seconds: 30 });
    expect(snap?.updated_at).toBe(new Date(start + 10_000).toISOString());
    expect(snap?.stages.map((s) => s.name)).toEqual([...STAGE_NAMES]);
    expect(snap?.stages[0]).toEqual({
      name: 'queued',
      status: 'done',
      started_at: new Date(start).toISOString(),
      completed_at: new Date(start + 1000).toISOString(),
      duration_ms: 1000,
    });
    expect(snap?.stages[2]).toMatchObject({ status: 'active', completed_at: null, duration_ms: null });
    expect(snap?.stages[3]).toMatchObject({ status: 'pending', started_at: null });
  });

  it('shows the terminal status as the stage and no ETA after a failure', () => {
    const snap = parseSnapshot({ run_id: 'r', status: 'failed', stage: 'combining', percentage: '60', run_started_at: '0' }, 1000);
    expect(snap).toMatchObject({ stage: 'failed', status: 'failed', eta_seconds: null });
  });
});

describe('parseProgressEvent', () => {
  it.each([['not json', '{'], ['not an object', '5'], ['missing fields', '{"job_id":"a"}'], ['unknown stage', '{"job_id":"a","version":1,"run_id":"r","current_stage":"x","percentage":1,"updated_at":1}']])(
    'returns null for %s',
    (_label, message) => {
      expect(parseProgressEvent(message)).toBeNull();
    },
  );

  it('parses a published event', () => {
    const message = JSON.stringify({ job_id: 'a', version: 3, run_id: 'r', attempt: 1, status: 'processing', stage: 'planning', current_stage: 'planning', stage_percentage: 10, percentage: 0.2, updated_at: 0 });
    expect(parseProgressEvent(message)).toEqual({
      job_id: 'a',
      version: 3,
      run_id: 'r',
      attempt: 1,
      status: 'processing',
      stage: 'planning',
      current_stage: 'planning',
      stage_percentage: 10,
      percentage: 0.2,
      updated_at: new Date(0).toISOString(),
    });
  });
});
