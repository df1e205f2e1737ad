import { STAGE_NAMES, isTerminalStatus, type ProgressStage, type StageName, type StageRecord, type StageStatus, type TerminalStatus } from '@vidgen/core';
import { estimateEtaSeconds } from './eta';

export type RunStatus = 'processing' | TerminalStatus;

export type { StageRecord };

export interface ProgressSnapshot {
  percentage: number;
  /** The current stage while processing; the terminal status afterwards. */
  stage: ProgressStage;
  stage_percentage: number;
  stages: StageRecord[];
  eta_seconds: number | null;
  attempt: number;
  run_id: string;
  status: RunStatus;
  /** Increases with every accepted write; SSE event ids are this number. */
  version: number;
  updated_at: string;
}

const STAGE_STATUSES: readonly StageStatus[] = ['pending', 'active', 'done', 'skipped', 'failed'];

/**
 * Recent conversions: a job's stage timestamps never change once written, and every read of it
 * (each GET, each list page, each SSE event) converts the same ones again. Cleared when full.
 */
const isoOf = new Map<string, string | null>();
const ISO_CACHE_MAX = 4096;

function toIso(ms: string | undefined): string | null {
  if (!ms) return null;
  const known = isoOf.get(ms);
  if (known !== undefined) return known;
  const n = Number(ms);
  const iso = Number.isFinite(n) ? new Date(n).toISOString() : null;
  if (isoOf.size >= ISO_CACHE_MAX) isoOf.clear();
  isoOf.set(ms, iso);
  return iso;
}

function toStageStatus(value: string | undefined): StageStatus {
  return STAGE_STATUSES.find((s) => s === value) ?? 'pending';
}

/**
 * Each stage's field names in the progress hash, built once: every read looks up four per stage, and a
 * name built per lookup is a new string to flatten and hash each time (pnpm load --profile get).
 */
const STAGE_FIELDS = STAGE_NAMES.map((name: StageName) => ({ name, status: `${name}:status`, started: `${name}:started_at`, completed: `${name}:completed_at`, detail: `${name}:detail` }));

/**
 * The fields of a progress hash parseSnapshot reads, and the only ones: a reader may fetch these by name
 * (HMGET, JobProgressTracker.readJob) instead of the whole hash. A test holds parseSnapshot to this list.
 */
export const SNAPSHOT_FIELDS: readonly string[] = [
  'run_id',
  'status',
  'stage',
  'percentage',
  'stage_percentage',
  'run_started_at',
  'attempt',
  'version',
  'updated_at',
  ...STAGE_FIELDS.flatMap((f) => [f.status, f.started, f.completed, f.detail]),
];

/** A stage's detail of the current run (an earlier run's is left behind in the hash until overwritten). */
function stageDetail(hash: Record<string, string>, field: string): Record<string, unknown> | undefined {
  const raw = hash[field];
  if (!raw) return undefined;
  try {
    const { run_id: run, ...detail } = JSON.parse(raw) as Record<string, unknown>;
    return run === hash.run_id ? detail : undefined;
  } catch {
    return undefined;
  }
}

function stageRecord(hash: Record<string, string>, fields: (typeof STAGE_FIELDS)[number]): StageRecord {
  const { name } = fields;
  const started = hash[fields.started];
  const completed = hash[fields.completed];
  const detail = stageDetail(hash, fields.detail);
  return {
    name,
    status: toStageStatus(hash[fields.status]),
    started_at: toIso(started),
    completed_at: toIso(completed),
    duration_ms: started && completed ? Math.max(0, Number(completed) - Number(started)) : null,
    ...(detail ? { detail } : {}),
  };
}

/** Turns the stored progress hash into the public snapshot; null when the job has no progress yet. */
export function parseSnapshot(hash: Record<string, string>, now: number): ProgressSnapshot | null {
  if (!hash.run_id) return null;
  const rawStatus = hash.status;
  const status: RunStatus = isTerminalStatus(rawStatus) ? rawStatus : 'processing';
  const current = (STAGE_NAMES.find((n) => n === hash.stage) ?? STAGE_NAMES[0]) as StageName;
  const percentage = Number(hash.percentage ?? 0);
  let eta: number | null = null;
  if (status === 'completed') eta = 0;
  else if (status === 'processing') eta = estimateEtaSeconds({ percentage, runStartedAt: Number(hash.run_started_at), now });
  return {
    percentage,
    stage: status === 'processing' ? current : status,
    stage_percentage: Number(hash.stage_percentage ?? 0),
    stages: STAGE_FIELDS.map((fields) => stageRecord(hash, fields)),
    eta_seconds: eta,
    attempt: Number(hash.attempt ?? 0),
    run_id: hash.run_id,
    status,
    version: Number(hash.version ?? 0),
    updated_at: toIso(hash.updated_at) ?? new Date(0).toISOString(),
  };
}
