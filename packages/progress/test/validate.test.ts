import { isValidAttempt, normalizeStagePercentage } from '@vidgen/progress';

describe('normalizeStagePercentage', () => {
  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['a numeric string', '50'],
    ['a word', 'half'],
    ['null', null],
    ['undefined', undefined],
    ['an object', { value: 5 }],
  ])('refuses %s', (_label, value) => {
    expect(normalizeStagePercentage(value)).toBeNull();
  });

  it('clamps below 0 to 0', () => {
    expect(normalizeStagePercentage(-5)).toBe(0);
  });

  it('clamps above 100 to 100', () => {
    expect(normalizeStagePercentage(150)).toBe(100);
  });

  it('rounds to two decimals', () => {
    expect(normalizeStagePercentage(33.333)).toBe(33.33);
    expect(normalizeStagePercentage(66.666)).toBe(66.67);
  });

  it('keeps in-range values', () => {
    expect(normalizeStagePercentage(0)).toBe(0);
    expect(normalizeStagePercentage(42.5)).toBe(42.5);
    expect(normalizeStagePercentage(100)).toBe(100);
  });
});

describe('isValidAttempt', () => {
  it('accepts whole numbers from 0', () => {
    expect(isValidAttempt(0)).toBe(true);
    expect(isValidAttempt(3)).toBe(true);
  });

  it.each([[-1], [1.5], [NaN], [Infinity], ['1'], [null]])('refuses %p', (value) => {
    expect(isValidAttempt(value)).toBe(false);
  });
});
