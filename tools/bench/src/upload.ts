/**
 * pnpm bench:upload — the same 1 GiB file through S3UploadManager, a bare
 * lib-storage Upload (same part size and queue size) and `aws s3 cp` (same
 * chunk size and concurrency), against s3rver in its own process, in one run.
 * Each uploader runs as its own child under a tiny rusage wrapper, which
 * reports its CPU seconds and peak RSS. The three run interleaved, ROUNDS
 * times (BENCH_UPLOAD_ROUNDS, default 3), each upload to a fresh key, and
 * every figure is the median over the rounds: s3rver's disk and the other
 * processes on a shared machine make single runs vary by a third. Prints one
 * JSON line.
 */
import { execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { EMBEDDED_S3_CREDENTIALS } from '@vidgen/embedded';
import { createS3Client } from '@vidgen/storage';

const run = promisify(execFile);
const GiB = 1024 ** 3;
const FILE_BYTES = Number(process.env.BENCH_UPLOAD_BYTES ?? GiB);
const PART = Number(process.env.BENCH_PART_SIZE_BYTES ?? 8 * 1024 * 1024);
const QUEUE = Number(process.env.BENCH_QUEUE_SIZE ?? 4);
const ROUNDS = Number(process.env.BENCH_UPLOAD_ROUNDS ?? 3);
const BUCKET = 'bench';

// Runs argv as a child and prints its rusage: the peak RSS and CPU of that process tree.
const RUSAGE = `
import resource, subprocess, sys, json
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
sys.stderr.write(p.stderr.decode(errors="replace")[-2000:])
print(json.dumps({"rc": p.returncode, "stdout": p.stdout.decode(errors="replace")[-2000:], "max_rss_kb": r.ru_maxrss, "cpu_s": r.ru_utime + r.ru_stime}))
`;

interface Measured {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
}

async function measure(argv: string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  const started = process.hrtime.bigint();
  const { stdout } = await run('python3', ['-c', RUSAGE, ...argv], { env, maxBuffer: 1 << 20 });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { rc: number; stdout: string; max_rss_kb: number; cpu_s: number };
  if (r.rc !== 0) throw new Error(`${argv.join(' ')} exited ${r.rc}: ${r.stdout}`);
  const inner = /"seconds":([\d.]+)/.exec(r.stdout);
  // Node runners time the upload itself (no process start-up); aws-cli is timed as a whole.
  return { seconds: inner ? Number(inner[1]) : wall, cpuSeconds: r.cpu_s, peakRssMb: r.max_rss_kb / 1024 };
}

async function makeFile(file: string): Promise<void> {
  const block = randomBytes(16 * 1024 * 1024);
  const out = createWriteStream(file);
  for (let written = 0; written < FILE_BYTES; written += block.length) {
    const chunk = block.subarray(0, Math.min(block.length, FILE_BYTES - written));
    // Vary each block so no two parts are identical.
    chunk.writeUInt32BE(written / block.length, 0);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function awsCliVersion(): Promise<string | null> {
  try {
    return (await run('aws', ['--version'])).stdout.trim() || 'aws';
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-bench-upload-'));
  const server = spawn(process.execPath, [path.join(__dirname, 'upload-s3-server.js'), path.join(dir, 's3'), BUCKET], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = (await once(server.stdout!, 'data')) as [Buffer];
    const { endpoint } = JSON.parse(line.toString()) as { endpoint: string };
    const file = path.join(dir, 'upload.bin');
    await makeFile(file);
    const client = createS3Client({ endpoint, region: 'us-east-1', credentials: { ...EMBEDDED_S3_CREDENTIALS }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 3 });
    const stored = async (key: string) => (await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }))).ContentLength;

    const nodeEnv = { PATH: process.env.PATH ?? '' };
    const runner = path.join(__dirname, 'upload-runner.js');
    const runs: Record<string, Measured[]> = {};
    const record = async (name: string, key: string, m: Measured) => {
      const size = await stored(key);
      if (size !== FILE_BYTES) throw new Error(`${name}: stored ${size} bytes, expected ${FILE_BYTES}`);
      (runs[name] ??= []).push(m);
      process.stderr.write(`${name}: ${(FILE_BYTES / 1024 / 1024 / m.seconds).toFixed(1)} MiB/s, ${m.cpuSeconds.toFixed(2)} CPU s, ${m.peakRssMb.toFixed(0)} MB peak RSS\n`);
      // Keep the store's disk use to one copy per uploader.
      await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    };

    const cli = await awsCliVersion();
    const config = path.join(dir, 'aws-config');
    const awsEnv = { ...nodeEnv, HOME: dir, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'), AWS_ACCESS_KEY_ID: EMBEDDED_S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: EMBEDDED_S3_CREDENTIALS.secretAccessKey };
    if (cli) {
      await writeFile(config, '[default]\nregion = us-east-1\n');
      for (const [k, v] of [
        ['default.s3.multipart_chunksize', `${PART / 1024 / 1024}MB`],
        ['default.s3.multipart_threshold', `${PART / 1024 / 1024}MB`],
        ['default.s3.max_concurrent_requests', String(QUEUE)],
        ['default.s3.addressing_style', 'path'],
        // Like createS3Client for custom endpoints: no aws-chunked bodies, which s3rver would store framed.
        ['default.request_checksum_calculation', 'when_required'],
      ]) await run('aws', ['configure', 'set', k!, v!], { env: awsEnv });
    } else process.stderr.write('aws-cli is not installed: reporting S3UploadManager and the bare Upload only\n');

    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const mode of ['manager', 'bare']) {
        const key = `${mode}-${round}.bin`;
        await record(mode, key, await measure([process.execPath, runner, mode, endpoint, BUCKET, key, file, String(PART), String(QUEUE)], nodeEnv));
      }
      if (cli) {
        const key = `awscli-${round}.bin`;
        await record('awscli', key, await measure(['aws', 's3', 'cp', '--only-show-errors', '--endpoint-url', endpoint, file, `s3://${BUCKET}/${key}`], awsEnv));
      }
    }
    const results: Record<string, { seconds: number; mib_per_s: number; cpu_s_per_gib: number; peak_rss_mb: number; runs_mib_per_s: number[] }> = {};
    for (const [name, ms] of Object.entries(runs)) {
      const seconds = median(ms.map((m) => m.seconds));
      results[name] = {
        seconds,
        mib_per_s: FILE_BYTES / 1024 / 1024 / seconds,
        cpu_s_per_gib: median(ms.map((m) => m.cpuSeconds)) / (FILE_BYTES / GiB),
        peak_rss_mb: median(ms.map((m) => m.peakRssMb)),
        runs_mib_per_s: ms.map((m) => round(FILE_BYTES / 1024 / 1024 / m.seconds)),
      };
    }
    client.destroy();

    const m = results.manager!;
    const bare = results.bare!;
    const aws = results.awscli;
    const summary = {
      bench: 'upload',
      file_bytes: FILE_BYTES,
      part_size_bytes: PART,
      queue_size: QUEUE,
      rounds: ROUNDS,
      awscli: cli,
      results: Object.fromEntries(
        Object.entries(results).map(([k, r]) => [k, { seconds: round(r.seconds), mib_per_s: round(r.mib_per_s), cpu_s_per_gib: round(r.cpu_s_per_gib), peak_rss_mb: round(r.peak_rss_mb), runs_mib_per_s: r.runs_mib_per_s }]),
      ),
      manager_vs_bare: round(m.mib_per_s / bare.mib_per_s),
      manager_vs_awscli: aws ? round(m.mib_per_s / aws.mib_per_s) : null,
      targets: { vs_bare_ge_0_9: m.mib_per_s >= 0.9 * bare.mib_per_s, vs_awscli_ge_1_0: aws ? m.mib_per_s >= aws.mib_per_s : null, rss_le_200mb: m.peak_rss_mb <= 200 },
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    server.kill('SIGTERM');
    await once(server, 'exit').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
