import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { JobRecord } from '@vidgen/core';
import { jobObjectPrefix, listAllObjects } from '@vidgen/storage';
import { listProcesses } from '@vidgen/worker';
import type { SuiteStack } from './harness';
import { sleep } from './jobs';

export const isTerminal = (status: string | undefined) => status === 'completed' || status === 'failed' || status === 'cancelled';

/** Reads many records at once (tolerates Redis being briefly away: a missing read is retried by the caller's loop). */
export async function readRecords(stack: SuiteStack, ids: readonly string[]): Promise<Map<string, JobRecord | null>> {
  const out = new Map<string, JobRecord | null>();
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const records = await Promise.all(chunk.map((id) => stack.store.get(id)));
    chunk.forEach((id, j) => out.set(id, records[j]!));
  }
  return out;
}

/**
 * Polls until every job is terminal, or until nothing has moved for
 * `stuckAfterMs` (no job changed status or stage): stuck jobs are a broken
 * invariant, a slow machine is not, so there is no fixed deadline (only a cap
 * of `capMs`). Returns the last records read.
 */
export async function waitAllTerminal(stack: SuiteStack, ids: readonly string[], options: { stuckAfterMs: number; capMs: number; onPoll?: () => void }): Promise<Map<string, JobRecord | null>> {
  const { stuckAfterMs, capMs, onPoll } = options;
  const cap = Date.now() + capMs;
  let records = new Map<string, JobRecord | null>();
  let state = '';
  let movedAt = Date.now();
  for (;;) {
    records = await readRecords(stack, ids).catch(() => records);
    onPoll?.();
    const open = ids.filter((id) => !isTerminal(records.get(id)?.status));
    if (open.length === 0) return records;
    const now = open.map((id) => `${records.get(id)?.status}/${records.get(id)?.progress.stage}/${records.get(id)?.progress.percentage}/${records.get(id)?.attempt}`).join(',');
    if (now !== state) ((state = now), (movedAt = Date.now()));
    if (Date.now() - movedAt > stuckAfterMs || Date.now() > cap) return records;
    await sleep(1000);
  }
}

export interface JobFindings {
  completed: number;
  failed: number;
  cancelled: number;
  /** Jobs not terminal at the end (ids). */
  notTerminal: string[];
  /** Every broken invariant, one line each. */
  violations: string[];
  /** Failed jobs' error codes and how many. */
  failureCodes: Record<string, number>;
}

/**
 * The job invariants: every job terminal; each completed job finalized once,
 * its progress run ended, exactly one event id over its webhook deliveries
 * (all `job.completed`), every output in S3 and nothing else under its prefix;
 * a failed job got one `job.failed` event id. Objects outside every completed
 * job's outputs count as strays (failed jobs may not leave any either).
 */
export async function checkJobs(stack: SuiteStack, ids: readonly string[], owner = 'anonymous'): Promise<JobFindings> {
  const records = await readRecords(stack, ids);
  const findings: JobFindings = { completed: 0, failed: 0, cancelled: 0, notTerminal: [], violations: [], failureCodes: {} };
  const expected = new Set<string>();
  const eventsOf = new Map<string, Set<string>>();
  const kindsOf = new Map<string, Set<string>>();
  for (const d of stack.receiver.deliveries) {
    if (!eventsOf.has(d.job_id)) (eventsOf.set(d.job_id, new Set()), kindsOf.set(d.job_id, new Set()));
    eventsOf.get(d.job_id)!.add(d.event_id);
    kindsOf.get(d.job_id)!.add(d.event);
  }
  for (const id of ids) {
    const r = records.get(id) ?? null;
    if (!r || !isTerminal(r.status)) {
      findings.notTerminal.push(id);
      findings.violations.push(`job ${id} ended ${r ? `not terminal (${r.status}, stage ${r.progress.stage})` : 'without a record'}`);
      continue;
    }
    findings[r.status as 'completed' | 'failed' | 'cancelled'] += 1;
    const events = eventsOf.get(id)?.size ?? 0;
    const kinds = [...(kindsOf.get(id) ?? [])];
    if (events !== 1 || kinds.length !== 1 || kinds[0] !== `job.${r.status}`) findings.violations.push(`job ${id} (${r.status}) has ${events} event id(s) over its deliveries: ${kinds.join(',') || 'none'}`);
    if (r.status === 'failed') findings.failureCodes[r.error?.code ?? '?'] = (findings.failureCodes[r.error?.code ?? '?'] ?? 0) + 1;
    if (r.status !== 'completed') continue;
    const finalizations = await stack.redis.hget(stack.store.key(id), 'finalizations');
    if (finalizations !== '1') findings.violations.push(`job ${id} finalized ${finalizations ?? 0} times`);
    const snapshot = await stack.tracker.getSnapshot(id);
    if (snapshot?.status !== 'completed') findings.violations.push(`job ${id} completed but its progress run is ${snapshot?.status ?? 'missing'}`);
    const outputs = (r.result?.outputs ?? []).map((o) => o.key);
    if (outputs.length === 0) findings.violations.push(`job ${id} completed without outputs`);
    for (const key of outputs) expected.add(key);
    const stored = new Set((await listAllObjects({ client: stack.s3, bucket: stack.bucket, prefix: jobObjectPrefix(owner, id) })).map((o) => o.key));
    const missing = outputs.filter((k) => !stored.has(k));
    if (missing.length) findings.violations.push(`job ${id}: ${missing.length} output(s) missing from S3, e.g. ${missing[0]}`);
  }
  const strays = (await listAllObjects({ client: stack.s3, bucket: stack.bucket, prefix: '' })).filter((o) => !expected.has(o.key));
  if (strays.length) findings.violations.push(`${strays.length} object(s) in S3 that no completed job lists, e.g. ${strays.slice(0, 3).map((o) => o.key).join(', ')}`);
  return findings;
}

/** Files and dirs under the scratch base dir (one level of worker dirs, then their job dirs). */
export async function scratchLeft(scratchDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(scratchDir).catch(() => [] as string[])) {
    const inner = await readdir(path.join(scratchDir, name)).catch(() => null);
    if (inner === null || inner.length === 0) out.push(name);
    else out.push(...inner.map((i) => `${name}/${i}`));
  }
  return out;
}

/** Processes working in the suite's dir (ffmpeg, espeak-ng, anything): by argument or working dir. */
export async function processesIn(dir: string): Promise<Array<{ pid: number; argv0: string }>> {
  return (await listProcesses())
    .filter((p) => p.pid !== process.pid && (p.argv.some((a) => a.includes(dir)) || (p.cwd !== null && p.cwd.startsWith(dir))))
    .map((p) => ({ pid: p.pid, argv0: p.argv[0] ?? '?' }));
}
