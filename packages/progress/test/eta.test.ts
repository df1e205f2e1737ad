import { estimateEtaSeconds } from '@vidgen/progress';

describe('estimateEtaSeconds', () => {
  const runStartedAt = 1_000_000;

  it('is null before any progress', () => {
    expect(estimateEtaSeconds({ percentage: 0, runStartedAt, now: runStartedAt + 5000 })).toBeNull();
  });

  it('extrapolates elapsed / overall% × remaining%', () => {
    // 25% done after 10 s: 10 / 25 × 75 = 30 s left.
    expect(estimateEtaSeconds({ percentage: 25, runStartedAt, now: runStartedAt + 10_000 })).toBe(30);
  });

  it('is 0 when the run is complete', () => {
    expect(estimateEtaSeconds({ percentage: 100, runStartedAt, now: runStartedAt + 10_000 })).toBe(0);
  });

  it('treats a clock behind the run start as no time elapsed', () => {
    expect(estimateEtaSeconds({ percentage: 50, runStartedAt, now: runStartedAt - 10_000 })).toBe(0);
  });
});
