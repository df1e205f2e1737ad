import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../../..');

export interface SuiteResult {
  suite: string;
  mode: 'quick' | 'full';
  /** Figures of the run: printed as one JSON line, and in the report. */
  figures: Record<string, unknown>;
  /** Broken invariants; empty: the run passed. Timings never go here. */
  violations: string[];
  /** Extra Markdown paragraphs for the report (what was done, notes). */
  notes: string[];
  /** Raw data written next to the report as <report>.json (the soak's samples). */
  data?: unknown;
}

/**
 * Prints the run's one JSON line on stdout and writes a short Markdown report
 * under reports/ (git-ignored). Returns the exit code: 1 when an invariant broke.
 */
export async function finish(result: SuiteResult): Promise<number> {
  const { suite, mode, figures, violations, notes } = result;
  const ok = violations.length === 0;
  const line = { suite, mode, ok, ...figures, violations: violations.length };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  const dir = path.join(REPO_ROOT, 'reports');
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const file = path.join(dir, `${suite}-${mode}-${stamp}.md`);
  const md = [
    `# ${suite} (${mode}): ${ok ? 'passed' : `${violations.length} broken invariant(s)`}`,
    '',
    `Run at ${new Date().toISOString()} on ${process.version}.`,
    '',
    ...notes.flatMap((n) => [n, '']),
    '## Figures',
    '',
    '| Figure | Value |',
    '| --- | --- |',
    ...Object.entries(figures).map(([k, v]) => `| ${k} | ${typeof v === 'object' ? `\`${JSON.stringify(v)}\`` : String(v)} |`),
    '',
    '## Broken invariants',
    '',
    ...(ok ? ['None.'] : violations.slice(0, 100).map((v) => `- ${v}`)),
    ...(violations.length > 100 ? [`- … and ${violations.length - 100} more`] : []),
    '',
    '## JSON line',
    '',
    '```json',
    JSON.stringify(line),
    '```',
    '',
  ].join('\n');
  await writeFile(file, md);
  if (result.data !== undefined) await writeFile(file.replace(/\.md$/, '.json'), JSON.stringify(result.data));
  process.stderr.write(`[${suite}] report: ${path.relative(REPO_ROOT, file)}\n`);
  if (!ok) for (const v of violations.slice(0, 30)) process.stderr.write(`[${suite}] BROKEN: ${v}\n`);
  return ok ? 0 : 1;
}

/** `--quick` or the full mode; `--seed N` repeats a run. Anything else is refused. */
export function parseSuiteArgs(argv: readonly string[]): { quick: boolean; seed: number } {
  let quick = false;
  let seed = Math.floor(Math.random() * 2 ** 31);
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!;
    if (a === '--') continue;
    else if (a === '--quick') quick = true;
    else if (a === '--seed' && /^\d+$/.test(argv[i + 1] ?? '')) seed = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}; known: --quick, --seed <n>`);
  }
  return { quick, seed };
}
