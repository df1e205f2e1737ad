export interface EtaInput {
  /** Overall percentage of the run, 0..100. */
  percentage: number;
  /** When the run started (ms since epoch). */
  runStartedAt: number;
  now: number;
}

/**
 * Seconds left, extrapolated from the pace of the run so far:
 * elapsed / overall% × remaining%. Null before any progress (no pace yet).
 */
export function estimateEtaSeconds(input: EtaInput): number | null {
  const { percentage, runStartedAt, now } = input;
  if (!Number.isFinite(percentage) || percentage <= 0) return null;
  if (percentage >= 100) return 0;
  const elapsedSeconds = Math.max(0, now - runStartedAt) / 1000;
  return Math.round((elapsedSeconds / percentage) * (100 - percentage));
}
