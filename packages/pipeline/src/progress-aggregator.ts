/**
 * Progress of parallel work as done/total units (frames for scenes), so one
 * long scene weighs more than a short one. Pure state, no timers.
 */
export class UnitProgress {
  private readonly done: number[];
  private readonly total: number;

  constructor(private readonly totals: readonly number[]) {
    this.done = totals.map(() => 0);
    this.total = totals.reduce((a, b) => a + Math.max(0, b), 0);
  }

  /** Records units done for one part (monotonic, clamped to its total); returns the overall percentage. */
  update(index: number, unitsDone: number): number {
    const cap = this.totals[index] ?? 0;
    const prev = this.done[index] ?? 0;
    this.done[index] = Math.min(cap, Math.max(prev, unitsDone));
    return this.percentage();
  }

  complete(index: number): number {
    return this.update(index, this.totals[index] ?? 0);
  }

  percentage(): number {
    if (this.total <= 0) return 100;
    return (this.done.reduce((a, b) => a + b, 0) / this.total) * 100;
  }
}
