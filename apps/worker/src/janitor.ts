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

/**
 * Runs once at worker start-up: kills ffmpeg runs orphaned by a worker of this
 * machine that died (their parent is gone, so nothing waits for them and they
 * would hold CPU and scratch space), then removes stale scratch dirs. Never
 * throws: a janitor failure must not keep the worker from starting.
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
    const entries: { name: string; mtimeMs: number }[] = [];
    for (const name of names) {
      const s = await stat(path.join(scratchBaseDir, name)).catch(() => null);
      if (s) entries.push({ name, mtimeMs: s.mtimeMs });
    }
    for (const name of staleEntries(entries, now(), staleAfterMs)) {
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
