import { growthOf, keyKind, seededRandom, unexpectedKeys, type ProcessSample } from '@vidgen/chaos';

const sample = (ended: number, rssMb: number, fds = 30): ProcessSample => ({ t: ended, ended, name: 'w1', rssMb, heapMb: rssMb / 2, externalMb: 1, fds, children: 0 });

describe('growthOf (pure)', () => {
  it('compares the median of the last 10% of the jobs with the median at 20–30%, ignoring the warm-up', () => {
    const samples = [sample(0, 50), sample(10, 90), sample(20, 100), sample(25, 104), sample(30, 102), sample(60, 130), sample(90, 110), sample(95, 112), sample(100, 140)];
    const g = growthOf(samples, 'w1', 100, { ...sample(100, 111), fds: 28, children: 0 });
    expect(g).toMatchObject({ rssStartMb: 102, rssEndMb: 112, rssGrowthMb: 10, fdsStart: 30, fdsEnd: 28, childrenEnd: 0, peakRssMb: 140 });
  });
});

describe('Redis key kinds after a soak (pure)', () => {
  const ids = new Set(['11111111-1111-4111-8111-111111111111']);
  it('names job keys by kind', () => {
    expect(keyKind('p:job:{11111111-1111-4111-8111-111111111111}:progress', 'p', ids)).toBe('job:{<id>}:progress');
    expect(keyKind('p:video-generation:22222222-2222-4222-8222-222222222222', 'p', ids)).toBe('video-generation:<other-id>');
  });

  it('accepts the retained records and Bull counters, flags Bull jobs, locks and anything unknown', () => {
    const kinds = { 'job:{<id>}': 3, 'job:{<id>}:progress': 3, 'video:{<other-id>}:versions': 3, 'owner:anonymous:jobs': 1, 'video-generation:id': 1, 'video-generation:<id>': 1, 'video-generation:completed': 1, 'fair:vnow': 1, 'video-generation:<id>:lock': 1, 'video-generation:wait': 1, 'job:{<id>}:other': 1, 'idem:x': 1 };
    expect(unexpectedKeys(kinds, 3).map(([k]) => k).sort()).toEqual(['idem:x', 'job:{<id>}:other', 'video-generation:<id>:lock', 'video-generation:wait'].sort());
    expect(unexpectedKeys({ 'job:{<id>}': 4 }, 3)).toEqual([['job:{<id>}', 4]]);
  });
});

describe('seededRandom', () => {
  it('repeats a run from its seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 5 }, () => a());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});
