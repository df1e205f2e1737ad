/** Number formatting for stats and charts: fixed locale (en-US grouping), so output does not depend on the machine. */

/** Decimals shown for a value: its own (shortest round-trip form), at most 4. */
export function decimalsOf(value: number): number {
  if (!Number.isFinite(value) || Number.isInteger(value)) return 0;
  const s = Math.abs(value).toString();
  if (s.includes('e')) return 4;
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : Math.min(4, s.length - dot - 1);
}

const formatters = new Map<number, Intl.NumberFormat>();

/** 1234567.5 → "1,234,567.5" with `decimals` fraction digits and thousands separators. */
export function formatNumber(value: number, decimals: number): string {
  let f = formatters.get(decimals);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals, useGrouping: true });
    formatters.set(decimals, f);
  }
  // -0 would print as "-0".
  const v = Object.is(value, -0) ? 0 : value;
  return f.format(v);
}

/** A stat as shown: prefix + number + suffix. */
export function formatStat(value: number, decimals: number, prefix = '', suffix = ''): string {
  return `${prefix}${formatNumber(value, decimals)}${suffix}`;
}

/** The value a count-up shows at eased progress e (0..1): rounded to the final value's decimals, exactly the value at 1. */
export function countUpValue(value: number, decimals: number, e: number): number {
  if (e >= 1) return value;
  const f = 10 ** decimals;
  return Math.round(value * Math.max(0, e) * f) / f;
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });
const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** Chart value labels: grouped up to 99,999, compact above (12.5K, 3.4M, 1T), at most 2 decimals. */
export function formatChartValue(value: number): string {
  return Math.abs(value) < 100000 ? plain.format(Object.is(value, -0) ? 0 : value) : compact.format(value);
}
