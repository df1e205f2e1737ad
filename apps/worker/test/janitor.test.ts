import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, symlink, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '@vidgen/testing';
import { deadOwnerEntries, findOrphanFfmpeg, listProcesses, processStartTime, runJanitor, scratchOwnerName, staleEntries, type ProcessInfo } from '../src/janitor';

const logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return logger; } } as never;
const FF = '/opt/ffmpeg/bin/ffmpeg';
const BASE = '/var/tmp/vidgen';

function proc(overrides: Partial<ProcessInfo>): ProcessInfo {
  return { pid: 500, ppid: 1, pgid: 500, argv: [FF, '-i', `${BASE}/job-1/in.txt`, `${BASE}/job-1/out.mp4`], cwd: '/', ...overrides };
}

describe('findOrphanFfmpeg (pure)', () => {
  const criteria = { ffmpegPath: FF, scratchBaseDir: BASE, isAlive: (pid: number) => pid === 42, ownPgid: 9999 };

  it('picks ffmpeg group leaders in the scratch dir whose parent is gone', () => {
    const found = findOrphanFfmpeg(
      [
        proc({ pid: 500, pgid: 500, ppid: 1 }),
        proc({ pid: 501, pgid: 501, ppid: 77, argv: [FF, 'x'], cwd: `${BASE}/job-2` }),
        proc({ pid: 502, pgid: 400, ppid: 1 }),
      ],
      criteria,
    );
    expect(found).toEqual({ groups: [500, 501], pids: [502] });
  });

  it('leaves alone ffmpeg with a live parent, other binaries, and runs outside the scratch dir', () => {
    const found = findOrphanFfmpeg(
      [
        proc({ pid: 600, pgid: 600, ppid: 42 }),
        proc({ pid: 601, pgid: 601, argv: ['/usr/bin/ffmpeg', `${BASE}/job/x`] }),
        proc({ pid: 602, pgid: 602, argv: [FF, '/home/user/movie.mp4'], cwd: '/home/user' }),
        proc({ pid: 603, pgid: 603, argv: [FF, '/var/tmp/vidgen-other/x'], cwd: '/' }),
        proc({ pid: 604, pgid: 604, argv: ['/bin/sleep', '100'], cwd: `${BASE}/job` }),
      ],
      criteria,
    );
    expect(found).toEqual({ groups: [], pids: [] });
  });
});

describe('staleEntries (pure)', () => {
  it('keeps entries younger than the threshold', () => {
    expect(staleEntries([{ name: 'old', mtimeMs: 1000 }, { name: 'new', mtimeMs: 9500 }, { name: 'edge', mtimeMs: 9000 }], 10000, 1000)).toEqual(['old']);
  });
});

describe('deadOwnerEntries (pure)', () => {
  it('picks the worker dirs whose process is gone, and leaves other names to the staleness rule', () => {
    const alive = (pid: number, start: number) => pid === 10 && start === 111;
    expect(deadOwnerEntries(['worker-10-111', 'worker-10-222', 'worker-11-111', 'vidgen-job-abc', 'worker-x-1'], alive)).toEqual(['worker-10-222', 'worker-11-111']);
  });
});

describe('runJanitor (real processes and files)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-janitor-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('kills an orphaned fake-ffmpeg process group working in the scratch dir, and removes stale scratch dirs only', async () => {
    if (process.platform !== 'linux') throw new Error('this test reads /proc and needs Linux');
    const scratch = path.join(dir, 'scratch');
    const jobDir = path.join(scratch, 'job-orphan');
    await mkdir(jobDir, { recursive: true });
    // The "ffmpeg" is sleep under another name: argv[0] is the configured path, as for the real binary.
    const fakeFfmpeg = path.join(dir, 'ffmpeg');
    await symlink('/bin/sleep', fakeFfmpeg);
    // A shell starts it in its own process group and exits at once: the "worker" died, the child is orphaned.
    const shell = spawn('/bin/sh', ['-c', `cd '${jobDir}' && '${fakeFfmpeg}' 300 & echo $!`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    shell.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => shell.once('exit', r));
    const orphanPid = Number(out.trim());
    expect(orphanPid).toBeGreaterThan(1);
    const orphan = await waitFor(
      async () => (await listProcesses()).find((p) => p.pid === orphanPid),
      (p) => p !== undefined && p.argv[0] === fakeFfmpeg,
      { timeoutMs: 5000, what: 'the orphan in /proc' },
    );
    expect(orphan!.cwd).toBe(jobDir);

    // A fresh and a stale scratch dir; the janitor's clock is the real one.
    const stale = path.join(scratch, 'job-stale');
    await mkdir(stale);
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(stale, old, old);

    const report = await runJanitor({ ffmpegPath: fakeFfmpeg, scratchBaseDir: scratch, staleAfterMs: 3600_000, logger });
    expect(report.killedGroups.concat(report.killedPids)).toContain(orphanPid);
    await waitFor(
      async () => (await listProcesses()).some((p) => p.pid === orphanPid && p.argv[0] === fakeFfmpeg),
      (alive) => !alive,
      { timeoutMs: 5000, what: 'the orphan to die' },
    );
    expect(report.removedDirs).toEqual(['job-stale']);
    await expect(stat(stale)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(jobDir)).isDirectory()).toBe(true);
  });

  it('removes the dir of a worker process that is gone at once, and keeps a live worker\'s dir however old', async () => {
    const scratch = path.join(dir, 'owners');
    const child = spawn('/bin/sleep', ['30']);
    const exited = new Promise((r) => child.once('exit', r));
    const childStart = await processStartTime(child.pid!);
    child.kill('SIGKILL');
    await exited;
    const gone = `worker-${child.pid}-${childStart ?? 1}`;
    // This process, with the start time of another: a reused pid is not the owner.
    const reused = `worker-${process.pid}-1`;
    const own = await scratchOwnerName();
    for (const name of [gone, reused, own]) await mkdir(path.join(scratch, name, 'vidgen-job-x'), { recursive: true });
    const old = new Date(Date.now() - 2 * 3600_000);
    await utimes(path.join(scratch, own), old, old);

    const report = await runJanitor({ ffmpegPath: '/nope/ffmpeg', scratchBaseDir: scratch, staleAfterMs: 3600_000, logger });
    expect(report.removedDirs.sort()).toEqual([gone, reused].sort());
    expect((await stat(path.join(scratch, own, 'vidgen-job-x'))).isDirectory()).toBe(true);
  });

  it('never throws: a missing scratch dir and an unreadable process list are only logged', async () => {
    const report = await runJanitor({
      ffmpegPath: '/nope/ffmpeg',
      scratchBaseDir: path.join(dir, 'does-not-exist'),
      staleAfterMs: 1000,
      logger,
      listProcesses: () => Promise.reject(new Error('no /proc')),
    });
    expect(report).toEqual({ killedGroups: [], killedPids: [], removedDirs: [] });
  });
});
