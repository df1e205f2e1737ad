/** One command's totals in Redis's INFO commandstats. */
export interface CommandStat {
  calls: number;
  usec: number;
}

/** Per-command totals from the text of `INFO commandstats` (lines `cmdstat_<name>:calls=<n>,usec=<n>,...`). */
export function parseCommandStats(info: string): Map<string, CommandStat> {
  const out = new Map<string, CommandStat>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) out.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) });
  return out;
}

/** Redis time (usec) spent between two readings, over every command except `ignore` (the INFO calls themselves). */
export function usecBetween(before: Map<string, CommandStat>, after: Map<string, CommandStat>, ignore: readonly string[] = ['info']): number {
  let usec = 0;
  for (const [name, a] of after) if (!ignore.includes(name)) usec += a.usec - (before.get(name)?.usec ?? 0);
  return usec;
}
