import {
  STAGE_NAMES,
  clampPercentage,
  isStageName,
  isTerminalStatus,
  overallPercentage,
  roundPercentage,
  type StageName,
  type StageStatus,
  type StageWeights,
  type TerminalStatus,
} from '@vidgen/core';

/** One operation as a writer sent it (possibly invalid on purpose). */
export type Op =
  | { kind: 'start'; attempt: number; runId: string }
  | { kind: 'update'; runId: string; stage: string; pct: unknown }
  | { kind: 'skip'; runId: string; stage: string }
  | { kind: 'finish'; runId: string; status: string };

export type ModelOutcome = { ok: true; percentage: number } | { ok: false; reason: string };

/**
 * A plain sequential statement of the progress rules, written independently
 * of the Lua script. The clock is constant in the model test, so timestamps
 * are predicted as present or absent.
 */
export class ProgressModel {
  runId: string | null = null;
  attempt = 0;
  status: 'processing' | TerminalStatus | null = null;
  cur = 0;
  sp = 0;
  pct = 0;
  version = 0;
  statuses: StageStatus[] = STAGE_NAMES.map(() => 'pending');
  started: boolean[] = STAGE_NAMES.map(() => false);
  completed: boolean[] = STAGE_NAMES.map(() => false);

  constructor(private readonly weights: StageWeights) {}

  /** Checks the tracker makes in TypeScript, before Redis; they do not depend on stored state. */
  static precheck(op: Op): string | null {
    if (op.kind === 'update' || op.kind === 'skip') {
      if (!isStageName(op.stage)) return 'unknown_stage';
    }
    if (op.kind === 'update' && (typeof op.pct !== 'number' || !Number.isFinite(op.pct))) return 'invalid_percentage';
    if (op.kind === 'finish' && !isTerminalStatus(op.status)) return 'invalid_status';
    return null;
  }

  apply(op: Op): ModelOutcome {
    const pre = ProgressModel.precheck(op);
    if (pre) return { ok: false, reason: pre };
    if (op.kind === 'start') return this.start(op.runId, op.attempt);
    if (this.runId === null) return { ok: false, reason: 'no_run' };
    if (op.runId !== this.runId) return { ok: false, reason: 'stale_run' };
    if (this.status !== 'processing') return { ok: false, reason: 'terminal' };
    if (op.kind === 'finish') return this.finish(op.status as TerminalStatus);
    const idx = STAGE_NAMES.indexOf(op.stage as StageName);
    const wanted = idx === this.cur ? 'active' : 'pending';
    if (idx < this.cur || this.statuses[idx] !== wanted) return { ok: false, reason: 'stage_regress' };
    return op.kind === 'update' ? this.update(idx, roundPercentage(clampPercentage(op.pct as number))) : this.skip(idx);
  }

  private start(runId: string, attempt: number): ModelOutcome {
    if (this.status !== null && this.status !== 'processing') return { ok: false, reason: 'terminal' };
    Object.assign(this, { runId, attempt, status: 'processing', cur: 0, sp: 0, pct: 0 });
    this.statuses = STAGE_NAMES.map((_, i) => (i === 0 ? 'active' : 'pending'));
    this.started = STAGE_NAMES.map((_, i) => i === 0);
    this.completed = STAGE_NAMES.map(() => false);
    return this.accept();
  }

  private update(idx: number, p: number): ModelOutcome {
    const statuses = [...this.statuses];
    if (idx === this.cur) {
      if (p < this.sp) return { ok: false, reason: 'percentage_regress' };
    } else {
      for (let i = this.cur; i < idx; i += 1) {
        if (statuses[i] === 'pending' || statuses[i] === 'active') statuses[i] = 'done';
      }
      statuses[idx] = 'active';
    }
    const pct = this.overall(statuses, idx, p);
    if (pct < this.pct) return { ok: false, reason: 'percentage_regress' };
    for (let i = 0; i < statuses.length; i += 1) {
      if (statuses[i] !== this.statuses[i]) {
        if (statuses[i] === 'done') this.completed[i] = true;
        if (statuses[i] === 'active') this.started[i] = true;
      }
    }
    Object.assign(this, { statuses, cur: idx, sp: p, pct });
    return this.accept();
  }

  private skip(idx: number): ModelOutcome {
    this.statuses[idx] = 'skipped';
    this.completed[idx] = true;
    if (idx === this.cur) this.sp = 100;
    this.pct = this.overall(this.statuses, this.cur, this.sp);
    return this.accept();
  }

  private finish(status: TerminalStatus): ModelOutcome {
    if (status === 'completed') {
      this.statuses = this.statuses.map((s, i) => {
        if (s !== 'pending' && s !== 'active') return s;
        this.completed[i] = true;
        return 'done';
      });
      this.sp = 100;
      this.pct = 100;
    } else if (this.statuses[this.cur] === 'active') {
      this.statuses[this.cur] = 'failed';
      this.completed[this.cur] = true;
    }
    this.status = status;
    return this.accept();
  }

  private overall(statuses: StageStatus[], cur: number, sp: number): number {
    const finished = STAGE_NAMES.filter((_, i) => statuses[i] === 'done' || statuses[i] === 'skipped');
    const current = statuses[cur] === 'active' ? (STAGE_NAMES[cur] ?? null) : null;
    return overallPercentage(finished, current, sp, this.weights);
  }

  private accept(): ModelOutcome {
    this.version += 1;
    return { ok: true, percentage: this.pct };
  }
}
