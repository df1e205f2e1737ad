import { decodeCursor, encodeCursor, isAfterCursor, parseControlMessage, queueJobIdFor } from '@vidgen/queue';

describe('list cursors', () => {
  it('round-trips and is opaque', () => {
    const c = { score: 1700000000123, jobId: '2b6f0cc9-1c1d-4c1b-9a4e-0f3e7d1b2a33' };
    const raw = encodeCursor(c);
    expect(raw).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(raw)).toEqual(c);
  });

  it.each(['', 'not base64!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1]').toString('base64url'), Buffer.from('["x","y"]').toString('base64url')])(
    'rejects %p',
    (raw) => expect(decodeCursor(raw)).toBeNull(),
  );

  it('orders newest first, ties by job id descending', () => {
    const cursor = { score: 100, jobId: 'm' };
    expect(isAfterCursor({ score: 99, jobId: 'z' }, cursor)).toBe(true);
    expect(isAfterCursor({ score: 101, jobId: 'a' }, cursor)).toBe(false);
    expect(isAfterCursor({ score: 100, jobId: 'l' }, cursor)).toBe(true);
    expect(isAfterCursor({ score: 100, jobId: 'm' }, cursor)).toBe(false);
    expect(isAfterCursor({ score: 100, jobId: 'n' }, cursor)).toBe(false);
    expect(isAfterCursor({ score: 1, jobId: 'a' }, null)).toBe(true);
  });
});

describe('control messages', () => {
  it('parses a cancel and rejects anything else', () => {
    expect(parseControlMessage('{"type":"cancel","job_id":"j1"}')).toEqual({ type: 'cancel', job_id: 'j1' });
    expect(parseControlMessage('{"type":"cancel"}')).toBeNull();
    expect(parseControlMessage('{"type":"pause","job_id":"j1"}')).toBeNull();
    expect(parseControlMessage('nope')).toBeNull();
    expect(parseControlMessage('null')).toBeNull();
  });
});

describe('queue job ids of resubmissions', () => {
  it('keeps the job id first, then derives a fresh one per resubmission', () => {
    expect(queueJobIdFor('j', 0)).toBe('j');
    expect(queueJobIdFor('j', 1)).toBe('j-r1');
    expect(queueJobIdFor('j', 2)).toBe('j-r2');
  });
});
