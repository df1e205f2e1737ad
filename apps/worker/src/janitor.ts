import { readFile, readdir, readlink, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@vidgen/core';

/** What the janitor needs to know about one process. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  argv: string[];
  /** Null when unreadable (another user's process, or it just exited). */
  cwd: string | null;
}

export interface OrphanCriteria {
  ffmpegPath: string;
  scratchBaseDir: string;
  isAlive: (pid: number) => boolean;
  /** Never touch our own process group. */
  ownPgid: number;
}

function inside(dir: string, candidate: string): boolean {
  const rel = path.relative(dir, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Pure: which processes are ffmpeg runs orphaned by a dead worker of this
 * machine. An orphan runs the configured ffmpeg binary (argv[0]), works in
 * the scratch base dir (its cwd or one of its arguments), and its parent is
 * gone (re-parented to 1, or the parent pid is not alive). Returns the process
 * groups to kill (a group leader's pid) and the single pids that lead none.
 */
export function findOrphanFfmpeg(processes: readonly ProcessInfo[], criteria: OrphanCriteria): { groups: number[]; pids: number[] } {
  const { ffmpegPath, scratchBaseDir, isAlive, ownPgid } = criteria;
  const base = path.resolve(scratchBaseDir);
  const groups = new Set<number>();
  const pids = new Set<number>();
  for (const p of processes) {
    if (p.argv[0] !== ffmpegPath) continue;
    const touchesScratch = (p.cwd !== null && inside(base, p.cwd)) || p.argv.slice(1).some((a) => a.includes(base + path.sep) || a === base);
    if (!touchesScratch) continue;
    const orphaned = p.ppid === 1 || !isAlive(p.ppid);
    if (!orphaned) continue;
    if (p.pgid === p.pid && p.pgid !== ownPgid) groups.add(p.pgid);
    else pids.add(p.pid);
  }
  return { groups: [...groups], pids: [...pids].filter((pid) => !groups.has(pid)) };
}

/** Pure: the direct entries of the scratch base dir last modified before `now - staleAfterMs`. */
export function staleEntries(entries: readonly { name: string; mtimeMs: number }[], now: number, staleAfterMs: number): string[] {
  return entries.filter((e) => e.mtimeMs < now - staleAfterMs).map((e) => e.name);
}

/** Scratch dirs are grouped per worker process: `worker-<pid>-<start time>` (the start time tells a reused pid apart). */
const OWNER_DIR = /^worker-(\d+)-(\d+)$/;

/** The start time of a process in clock ticks since boot (/proc/<pid>/stat field 22); null where unreadable (gone, or not Linux). */
export async function processStartTime(pid: number, procDir = '/proc'): Promise<number | null> {
  try {
    const text = await readFile(path.join(procDir, String(pid), 'stat'), 'utf8');
    return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

/** This process's scratch dir name inside the scratch base dir; 0 as the start time where /proc is missing. */
export async function scratchOwnerName(pid = process.pid): Promise<string> {
  return `worker-${pid}-${(await processStartTime(pid)) ?? 0}`;
}

/**
 * Pure: the entries of the scratch base dir that belong to a worker process
 * that is gone (its pid is not alive with that start time). Entries of other
 * shapes are left to the staleness rule.
 */
export function deadOwnerEntries(names: readonly string[], isOwnerAlive: (pid: number, startTime: number) => boolean): string[] {
  return names.filter((name) => {
    const m = OWNER_DIR.exec(name);
    return m !== null && !isOwnerAlive(Number(m[1]), Number(m[2]));
  });
}

/** Reads /proc (Linux); elsewhere there is nothing to read and the janitor kills nothing. */
export async function listProcesses(procDir = '/proc'): Promise<ProcessInfo[]> {
  let names: string[];
  try {
    names = await readdir(procDir);
  } catch {
    return [];
  }
  const out: ProcessInfo[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const [statText, cmdline] = await Promise.all([readFile(path.join(procDir, name, 'stat'), 'utf8'), readFile(path.join(procDir, name, 'cmdline'), 'utf8')]);
      // Fields after the ")" that closes the command name: state, ppid, pgrp, …
      const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
      const cwd = await readlink(path.join(procDir, name, 'cwd')).catch(() => null);
      out.push({ pid: Number(name), ppid: Number(fields[1]), pgid: Number(fields[2]), argv: cmdline.split('\0').filter(Boolean), cwd });
    } catch {
      // Exited while we looked, or not ours to read.
    }
  }
  return out;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface JanitorOptions {
  ffmpegPath: string;
  scratchBaseDir: string;
  /** Scratch dirs untouched for longer than this are left over from a dead worker. */
  staleAfterMs: number;
  logger: Logger;
  now?: () => number;
  listProcesses?: () => Promise<ProcessInfo[]>;
  kill?: (pid: number, signal: NodeJS.Signals) => void;
}

export interface JanitorReport {
  killedGroups: number[];
  killedPids: number[];
  removedDirs: string[];
}

async function ownerAlive(pid: number, startTime: number): Promise<boolean> {
  if (!isAlive(pid)) return false;
  if (startTime === 0) return true; // no /proc when the dir was made: the pid is all we know
  const now = await processStartTime(pid);
  return now === null ? true : now === startTime;
}

/**
 * Runs at worker start-up, then periodically (startJanitor): kills ffmpeg runs
 * orphaned by a worker of this machine that died (their parent is gone, so
 * nothing waits for them and they would hold CPU and scratch space), removes
 * the scratch dirs of worker processes that are gone, and removes other
 * scratch dirs left untouched for `staleAfterMs`. Never throws: a janitor
 * failure must not keep the worker from starting or running.
 */
export async function runJanitor(options: JanitorOptions): Promise<JanitorReport> {
  const { ffmpegPath, scratchBaseDir, staleAfterMs, logger, now = Date.now, kill = (pid, signal) => process.kill(pid, signal) } = options;
  const report: JanitorReport = { killedGroups: [], killedPids: [], removedDirs: [] };
  try {
    const processes = await (options.listProcesses ?? listProcesses)();
    const { groups, pids } = findOrphanFfmpeg(processes, { ffmpegPath, scratchBaseDir, isAlive, ownPgid: process.pid });
    for (const pgid of groups) {
      try {
        kill(-pgid, 'SIGKILL');
        report.killedGroups.push(pgid);
      } catch (err) {
        logger.warn('could not kill an orphaned ffmpeg process group', { pgid, err: (err as Error).message });
      }
    }
    for (const pid of pids) {
      try {
        kill(pid, 'SIGKILL');
        report.killedPids.push(pid);
      } catch (err) {
        logger.warn('could not kill an orphaned ffmpeg process', { pid, err: (err as Error).message });
      }
    }
  } catch (err) {
    logger.warn('orphan ffmpeg scan failed', { err: (err as Error).message });
  }
  try {
    const names = await readdir(scratchBaseDir).catch(() => [] as string[]);
    // Worker dirs: gone owner, gone dir, whatever its age; a live owner's dir is never stale (an idle worker's dir is old).
    const alive = new Map<string, boolean>();
    for (const name of names) {
      const m = OWNER_DIR.exec(name);
      if (m) alive.set(name, await ownerAlive(Number(m[1]), Number(m[2])));
    }
    const dead = deadOwnerEntries(names, (pid, start) => alive.get(`worker-${pid}-${start}`) ?? true);
    const entries: { name: string; mtimeMs: number }[] = [];
    for (const name of names) {
      if (alive.has(name)) continue;
      const s = await stat(path.join(scratchBaseDir, name)).catch(() => null);
      if (s) entries.push({ name, mtimeMs: s.mtimeMs });
    }
    for (const name of [...dead, ...staleEntries(entries, now(), staleAfterMs)]) {
      await rm(path.join(scratchBaseDir, name), { recursive: true, force: true });
      report.removedDirs.push(name);
    }
  } catch (err) {
    logger.warn('stale scratch cleanup failed', { err: (err as Error).message });
  }
  if (report.killedGroups.length || report.killedPids.length || report.removedDirs.length) {
    logger.warn('janitor cleaned up after a dead worker', { killed_groups: report.killedGroups, killed_pids: report.killedPids, removed_dirs: report.removedDirs.length });
  }
  return report;
}

/**
 * Runs the janitor every `intervalMs` while the worker runs, so a killed
 * worker's scratch dirs and orphaned ffmpeg runs go without waiting for a
 * worker to start on the machine. Returns the stop function.
 */
export function startJanitor(options: JanitorOptions & { intervalMs: number }): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void runJanitor(options).finally(() => (running = false));
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
