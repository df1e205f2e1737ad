import { STAGE_NAMES } from '@vidgen/core';
import { SNAPSHOT_FIELDS, parseProgressEvent, parseSnapshot } from '@vidgen/progress';
import { RECORD_FIELDS, toRecord } from '@vidgen/queue';

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

/** The names a parser reads of a hash (every field present, plus one no parser knows). */
function fieldsRead(parse: (hash: Record<string, string>) => unknown, hash: Record<string, string>): Set<string> {
  const read = new Set<string>();
  parse(new Proxy({ ...hash, not_a_field: 'x' }, { get: (target, name, receiver) => (typeof name === 'string' && read.add(name), Reflect.get(target, name, receiver)) }));
  return read;
}

// JobProgressTracker.readJob fetches these fields by name (HMGET): a field a parser reads and the list lacks would always be missing.
describe('the fields readJob fetches', () => {
  it('include every field parseSnapshot reads, for a run in progress and an ended one', () => {
    const stages = Object.fromEntries(STAGE_NAMES.flatMap((n) => [[`${n}:status`, 'done'], [`${n}:started_at`, '1000'], [`${n}:completed_at`, '2000'], [`${n}:detail`, '{"run_id":"r","note":1}']]));
    for (const status of ['processing', 'completed', 'failed']) {
      const hash = { run_id: 'r', status, stage: 'planning', percentage: '10', stage_percentage: '5', run_started_at: '1000', attempt: '1', version: '3', updated_at: '2000', ...stages };
      const read = fieldsRead((h) => parseSnapshot(h, 5000), hash);
      expect([...read].filter((f) => !SNAPSHOT_FIELDS.includes(f))).toEqual([]);
      expect(read.size).toBeGreaterThan(STAGE_NAMES.length * 4);
    }
  });

  it('include every field toRecord reads', () => {
    const hash = {
      job_id: 'j',
      owner: 'o',
      correlation_id: 'c',
      status: 'completed',
      configuration: '{"topic":"t"}',
      attempt: '1',
      created_at: 'a',
      updated_at: 'b',
      started_at: 'c',
      completed_at: 'd',
      error: '{"code":"X"}',
      result: '{"outputs":[]}',
      callback_url: 'https://example.com/hook',
      warnings: '[]',
    };
    const read = fieldsRead(toRecord, hash);
    expect([...read].filter((f) => !(RECORD_FIELDS as readonly string[]).includes(f))).toEqual([]);
    expect(read.size).toBe(RECORD_FIELDS.length);
  });
});
