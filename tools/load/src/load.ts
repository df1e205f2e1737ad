/**
 * pnpm load [--quick] [--profile <get|list|metadata|submit>]: the API alone
 * (no workers, the per-owner rate limit off) under autocannon, side by side with
 * the fixed minimal Express + Bull app (minimal-app.ts) in the same run.
 *
 *  - submit: POST /generate against the minimal app's POST /jobs;
 *  - get:    GET /jobs/:id of a completed job (every URL signed) against its GET /jobs/:id;
 *  - list, metadata: the API alone (the minimal app has nothing like them).
 *
 * A second minimal app (A/A) runs beside the first: its ratio to the first is
 * the noise of the run, printed next to the ratios. Only 2xx answers count
 * toward a rate. Targets (issue 21): submit >= 0.7x and GET >= 0.7x the minimal
 * app's rate, GET p99 <= 1.5x its p99. They are reported, never enforced:
 * the exit code fails only on a broken invariant (connection errors,
 * timeouts, non-2xx answers).
 *
 * Prints one JSON line and writes reports/load.md.
 * --profile runs only that route of the API under `node --cpu-prof` and adds the
 * profile's top self-time entries (reports/load-profile-<route>.md and .cpuprofile).
 */
import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { brokenInvariants, cannon, median, ratio, type Measured } from './cannon';
import { API, SUBMIT_BODY, post, seedReader } from './fixtures';
import { REPORTS_DIR, READER, WRITER, cpuMs, machine, startMinimal, startSuiteStack, type Minimal } from './processes';
import { summarizeProfileFile, type ProfileSummary } from './profile';

const CONNECTIONS = 16;
const TARGETS = { submit_rate: 0.7, get_rate: 0.7, get_p99: 1.5 };

type Route = 'submit' | 'get' | 'list' | 'metadata';
type Target = 'vidgen' | 'minimal' | 'minimal_aa';

interface Mode {
  name: 'quick' | 'full';
  seconds: number;
  rounds: number;
  warmupSeconds: number;
}

const MODES: Record<Mode['name'], Mode> = {
  quick: { name: 'quick', seconds: 3, rounds: 1, warmupSeconds: 1 },
  full: { name: 'full', seconds: 15, rounds: 3, warmupSeconds: 3 },
};

interface Endpoints {
  vidgen: string;
  vidgenPid: number;
  completedJobId: string;
  minimal: Minimal;
  minimalAa: Minimal;
  minimalJobId: string;
  minimalAaJobId: string;
}

/** What one route of one target is asked, so every round sends exactly the same requests. */
function request(e: Endpoints, route: Route, target: Target): Parameters<typeof cannon>[0] {
  const auth = (k: string) => ({ authorization: `Bearer ${k}` });
  if (target !== 'vidgen') {
    const base = target === 'minimal' ? e.minimal.url : e.minimalAa.url;
    const id = target === 'minimal' ? e.minimalJobId : e.minimalAaJobId;
    if (route === 'submit') return { url: `${base}/jobs`, method: 'POST', body: SUBMIT_BODY, connections: CONNECTIONS };
    return { url: `${base}/jobs/${id}`, connections: CONNECTIONS };
  }
  switch (route) {
    case 'submit':
      return { url: `${e.vidgen}${API}/generate`, method: 'POST', body: SUBMIT_BODY, headers: auth(WRITER.key), connections: CONNECTIONS };
    case 'get':
      return { url: `${e.vidgen}${API}/jobs/${e.completedJobId}`, headers: auth(READER.key), connections: CONNECTIONS };
    case 'list':
      return { url: `${e.vidgen}${API}/jobs?limit=20`, headers: auth(READER.key), connections: CONNECTIONS };
    case 'metadata':
      return { url: `${e.vidgen}${API}/jobs/${e.completedJobId}/metadata`, headers: auth(READER.key), connections: CONNECTIONS };
  }
}

async function minimalJob(m: Minimal): Promise<string> {
  const r = await post(`${m.url}/jobs`, SUBMIT_BODY);
  if (r.status !== 202) throw new Error(`minimal submit answered ${r.status}`);
  return String(r.json.id);
}

interface Cell {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  /** CPU time of the server process per 2xx answer (null where /proc is missing). */
  cpu_ms: number | null;
}

type Run = Measured & { cpu_ms: number | null };

const cell = (runs: Run[]): Cell => {
  const cpu = runs.map((r) => r.cpu_ms).filter((c): c is number => c !== null);
  return {
    rps: median(runs.map((r) => r.rps)),
    p50_ms: median(runs.map((r) => r.p50_ms)),
    p99_ms: median(runs.map((r) => r.p99_ms)),
    cpu_ms: cpu.length > 0 ? Math.round(median(cpu) * 1000) / 1000 : null,
  };
};

const pidOf = (e: Endpoints, target: Target) => (target === 'vidgen' ? e.vidgenPid : target === 'minimal' ? e.minimal.pid : e.minimalAa.pid);

/** One load run with the server's CPU time per 2xx answer. */
async function run(e: Endpoints, route: Route, target: Target, seconds: number): Promise<Run> {
  const before = cpuMs(pidOf(e, target));
  const m = await cannon({ ...request(e, route, target), durationSeconds: seconds });
  const after = cpuMs(pidOf(e, target));
  return { ...m, cpu_ms: before === null || after === null || m.ok === 0 ? null : (after - before) / m.ok };
}

async function measure(mode: Mode, e: Endpoints, routes: Route[], targets: (route: Route) => Target[]) {
  const runs = new Map<string, Run[]>();
  const problems: string[] = [];
  // Warm-up: JIT, connection pools and Redis scripts, not counted.
  for (const route of routes) {
    for (const target of targets(route)) {
      if (route !== 'submit') await cannon({ ...request(e, route, target), durationSeconds: mode.warmupSeconds });
    }
  }
  for (let round = 0; round < mode.rounds; round++) {
    for (const route of routes) {
      const order = targets(route);
      // Rotate the order every round, so drift of the machine spreads over every target.
      const rotated = [...order.slice(round % order.length), ...order.slice(0, round % order.length)];
      for (const target of rotated) {
        const m = await run(e, route, target, mode.seconds);
        problems.push(...brokenInvariants(`${route}/${target}`, m));
        const k = `${route}/${target}`;
        runs.set(k, [...(runs.get(k) ?? []), m]);
      }
    }
  }
  const result = (route: Route, target: Target) => cell(runs.get(`${route}/${target}`) ?? []);
  return { result, problems };
}

function compare(vidgen: Cell, minimal: Cell, aa: Cell) {
  return {
    vidgen,
    minimal,
    minimal_aa: aa,
    rate_ratio: ratio(vidgen.rps, minimal.rps),
    p99_ratio: ratio(vidgen.p99_ms, minimal.p99_ms),
    aa_rate_ratio: ratio(aa.rps, minimal.rps),
    aa_p99_ratio: ratio(aa.p99_ms, minimal.p99_ms),
    cpu_ratio: vidgen.cpu_ms !== null && minimal.cpu_ms !== null ? ratio(vidgen.cpu_ms, minimal.cpu_ms) : null,
    aa_cpu_ratio: aa.cpu_ms !== null && minimal.cpu_ms !== null ? ratio(aa.cpu_ms, minimal.cpu_ms) : null,
  };
}

async function profileRun(mode: Mode, route: Route): Promise<void> {
  const profileDir = path.join(REPORTS_DIR, 'profiles', `${route}-${Date.now()}`);
  await mkdir(profileDir, { recursive: true });
  const suite = await startSuiteStack({ name: 'load-profile', apiNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
  let measured: Run;
  try {
    const completedJobId = await seedReader(suite.stack.apiUrl, suite.redisUrl, suite.prefix);
    const e = { vidgen: suite.stack.apiUrl, vidgenPid: suite.stack.pids.api, completedJobId } as Endpoints;
    await cannon({ ...request(e, route, 'vidgen'), durationSeconds: mode.warmupSeconds });
    measured = await run(e, route, 'vidgen', mode.seconds * mode.rounds);
  } finally {
    await suite.stop(); // the API writes its profile on exit
  }
  const files = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one profile in ${profileDir}, found ${files.length}`);
  const file = path.join(profileDir, files[0]!);
  const summary = await summarizeProfileFile(file, 20);
  await copyFile(file, path.join(REPORTS_DIR, `load-profile-${route}.cpuprofile`));
  await writeFile(path.join(REPORTS_DIR, `load-profile-${route}.md`), profileMarkdown(route, mode, measured, summary));
  const problems = brokenInvariants(`${route}/vidgen`, measured);
  console.log(
    JSON.stringify({ suite: 'load-profile', route, mode: mode.name, machine: machine(), vidgen: measured, profile: summary, invariants: problems, ok: problems.length === 0 }),
  );
  if (problems.length > 0) process.exitCode = 1;
}

function profileMarkdown(route: Route, mode: Mode, m: Run, s: ProfileSummary): string {
  const rows = (xs: { name: string; self_pct: number }[]) => xs.map((x) => `| ${x.self_pct} | \`${x.name}\` |`).join('\n');
  return `# CPU profile of the API: ${route}

${new Date().toISOString()}, mode ${mode.name}, ${CONNECTIONS} connections, ${JSON.stringify(machine())}.
Under \`node --cpu-prof\` (rates are lower than without the profiler): ${m.rps} 2xx/s, p99 ${m.p99_ms} ms.
CPU time of the API process per 2xx answer (user + system, /proc, profiler overhead included): **${m.cpu_ms === null ? 'n/a' : Math.round(m.cpu_ms * 1000) / 1000} ms**.
Shares are of the busy samples (idle excluded), ${s.busy_samples} samples.

## By area

| self % | area |
| ---: | --- |
${rows(s.areas)}

## By caller

Node's own code and native frames counted to their nearest caller in a package.

| self % | area |
| ---: | --- |
${rows(s.callers)}

## By function

| self % | function |
| ---: | --- |
${rows(s.functions)}
`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, profile: { type: 'string' } } });
  const mode = MODES[values.quick ? 'quick' : 'full'];
  await mkdir(REPORTS_DIR, { recursive: true });
  if (values.profile !== undefined) {
    const route = values.profile as Route;
    if (!['submit', 'get', 'list', 'metadata'].includes(route)) throw new Error(`--profile takes get, list, metadata or submit, not ${route}`);
    return profileRun(mode, route);
  }

  const suite = await startSuiteStack({ name: 'load' });
  const minimals: Minimal[] = [];
  try {
    const minimal = await startMinimal({ redisUrl: suite.redisUrl, prefix: `${suite.prefix}-minimal`, logFile: suite.logFile });
    minimals.push(minimal);
    const minimalAa = await startMinimal({ redisUrl: suite.redisUrl, prefix: `${suite.prefix}-minimal-aa`, logFile: suite.logFile });
    minimals.push(minimalAa);
    const e: Endpoints = {
      vidgen: suite.stack.apiUrl,
      vidgenPid: suite.stack.pids.api!,
      completedJobId: await seedReader(suite.stack.apiUrl, suite.redisUrl, suite.prefix),
      minimal,
      minimalAa,
      minimalJobId: await minimalJob(minimal),
      minimalAaJobId: await minimalJob(minimalAa),
    };
    const started = Date.now();
    const loadBefore = machine().loadavg_1m;
    const { result, problems } = await measure(mode, e, ['get', 'list', 'metadata', 'submit'], (route) =>
      route === 'get' || route === 'submit' ? ['minimal', 'vidgen', 'minimal_aa'] : ['vidgen'],
    );
    const submit = compare(result('submit', 'vidgen'), result('submit', 'minimal'), result('submit', 'minimal_aa'));
    const get = compare(result('get', 'vidgen'), result('get', 'minimal'), result('get', 'minimal_aa'));
    const targets = {
      submit_rate: { want: `>= ${TARGETS.submit_rate}`, got: submit.rate_ratio, met: submit.rate_ratio >= TARGETS.submit_rate },
      get_rate: { want: `>= ${TARGETS.get_rate}`, got: get.rate_ratio, met: get.rate_ratio >= TARGETS.get_rate },
      get_p99: { want: `<= ${TARGETS.get_p99}`, got: get.p99_ratio, met: get.p99_ratio <= TARGETS.get_p99 },
    };
    const line = {
      suite: 'load',
      mode: mode.name,
      connections: CONNECTIONS,
      run_seconds: mode.seconds,
      rounds: mode.rounds,
      machine: { ...machine(), loadavg_1m_before: loadBefore },
      elapsed_s: Math.round((Date.now() - started) / 1000),
      submit,
      get,
      list: { vidgen: result('list', 'vidgen') },
      metadata: { vidgen: result('metadata', 'vidgen') },
      targets,
      invariants: problems,
      ok: problems.length === 0,
    };
    console.log(JSON.stringify(line));
    await writeFile(path.join(REPORTS_DIR, 'load.md'), markdown(line));
    if (problems.length > 0) process.exitCode = 1;
  } finally {
    await Promise.all(minimals.map((m) => m.stop()));
    await suite.stop();
  }
}

function markdown(l: {
  mode: string;
  run_seconds: number;
  rounds: number;
  machine: Record<string, unknown>;
  submit: ReturnType<typeof compare>;
  get: ReturnType<typeof compare>;
  list: { vidgen: Cell };
  metadata: { vidgen: Cell };
  targets: Record<string, { want: string; got: number; met: boolean }>;
  invariants: string[];
}): string {
  const row = (name: string, c: ReturnType<typeof compare>) =>
    `| ${name} | ${c.vidgen.rps} | ${c.minimal.rps} | ${c.minimal_aa.rps} | **${c.rate_ratio}** | ${c.aa_rate_ratio} | ${c.vidgen.p99_ms} | ${c.minimal.p99_ms} | **${c.p99_ratio}** | ${c.aa_p99_ratio} | ${c.vidgen.cpu_ms} | ${c.minimal.cpu_ms} | **${c.cpu_ratio}** | ${c.aa_cpu_ratio} |`;
  return `# pnpm load (${l.mode})

${new Date().toISOString()}: ${CONNECTIONS} connections, ${l.run_seconds} s per run, ${l.rounds} round(s), medians over rounds.
Machine: ${JSON.stringify(l.machine)}. With a load average above the core count the rates are distorted; compare ratios, and only against the A/A noise.

Rates count 2xx answers only. The A/A columns are a second copy of the minimal app measured against the first: the noise of this run.

CPU ms is the server process's CPU time (user + system, from /proc) per 2xx answer: on a shared machine it moves far less than a rate.

| route | vidgen 2xx/s | minimal 2xx/s | minimal A/A 2xx/s | rate ratio | A/A rate | vidgen p99 ms | minimal p99 ms | p99 ratio | A/A p99 | vidgen CPU ms | minimal CPU ms | CPU ratio | A/A CPU |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${row('submit', l.submit)}
${row('GET /jobs/:id (completed)', l.get)}

| route (API alone) | 2xx/s | p50 ms | p99 ms | CPU ms |
| --- | ---: | ---: | ---: | ---: |
| GET /jobs?limit=20 | ${l.list.vidgen.rps} | ${l.list.vidgen.p50_ms} | ${l.list.vidgen.p99_ms} | ${l.list.vidgen.cpu_ms} |
| GET /jobs/:id/metadata | ${l.metadata.vidgen.rps} | ${l.metadata.vidgen.p50_ms} | ${l.metadata.vidgen.p99_ms} | ${l.metadata.vidgen.cpu_ms} |

Targets (reported, never enforced): ${Object.entries(l.targets)
    .map(([k, t]) => `${k} ${t.got} (want ${t.want}: ${t.met ? 'met' : 'missed'})`)
    .join('; ')}.

Invariants: ${l.invariants.length === 0 ? 'none broken (every answer 2xx, no connection errors).' : l.invariants.map((p) => `\n- ${p}`).join('')}
`;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
