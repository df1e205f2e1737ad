import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import Redis from 'ioredis';
import { startEmbeddedS3, startRedisServer, type EmbeddedS3, type RedisServer } from '@vidgen/embedded';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore } from '@vidgen/queue';
import { createS3Client, ensureBucket } from '@vidgen/storage';
import { startApiProcess, startFaultProxy, startWorkerProcess, waitFor, type Fault, type FaultProxy, type WorkerHandle } from '@vidgen/testing';
import { startWebhookReceiver, type WebhookReceiver } from './receiver';

export interface SuiteStackOptions {
  /** Names the run dir, the key prefix and the bucket. */
  name: string;
  workers: number;
  /** Extra settings for the API and every worker. */
  env?: Record<string, string>;
  /** What the S3 fault proxy does with each request (default: pass). */
  faults?: (req: IncomingMessage) => Fault;
}

/** A worker process of the suite, with the job it runs now (from its own log lines). */
export interface SuiteWorker extends WorkerHandle {
  name: string;
  /** The job whose attempt started last and has not finished; null when idle. */
  currentJob(): string | null;
}

/**
 * One suite's world, all on free 127.0.0.1 ports: a private redis-server
 * (append-only, fsync everysec, the default a deployment runs with) that the
 * suite may SIGKILL and restart, s3rver behind a fault proxy the suite
 * controls, a webhook receiver, the API and N workers as their own processes
 * sharing one scratch base dir (one machine), all under a private key prefix.
 */
export interface SuiteStack {
  dir: string;
  prefix: string;
  bucket: string;
  scratchDir: string;
  env: Record<string, string>;
  redisUrl: string;
  redisPort: number;
  /** A client of the suite itself (reconnects after a Redis restart). */
  redis: Redis;
  store: JobStore;
  tracker: JobProgressTracker;
  /** Straight to s3rver, past the proxy: the suite's own checks. */
  s3: S3Client;
  proxy: FaultProxy;
  receiver: WebhookReceiver;
  api: WorkerHandle;
  workers: SuiteWorker[];
  /** Starts one more worker (a replacement for a killed one). */
  startWorker(): Promise<SuiteWorker>;
  /** SIGKILLs Redis: a crash, not a clean shutdown. */
  killRedis(): Promise<void>;
  /** Starts Redis again on the same port and data (the append-only file). */
  restartRedis(): Promise<void>;
  stop(): Promise<void>;
}

function trackJobs(handle: WorkerHandle): () => string | null {
  let current: string | null = null;
  let partial = '';
  handle.child.stdout!.on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        const l = JSON.parse(line) as { message?: string; job_id?: string };
        if (l.message === 'job started' && l.job_id) current = l.job_id;
        else if (l.message === 'job attempt finished' && l.job_id === current) current = null;
      } catch {
        /* not a log line */
      }
    }
  });
  return () => current;
}

/** SIGKILLs every process whose command line mentions `dir` (ffmpeg and TTS children of killed workers). Sync: runs in an exit handler. */
function killProcessesMentioning(dir: string): void {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'latin1').includes(dir)) process.kill(Number(entry), 'SIGKILL');
    } catch {
      /* gone meanwhile, or not ours */
    }
  }
}

export async function startSuiteStack(options: SuiteStackOptions): Promise<SuiteStack> {
  const { name, faults = () => 'pass' } = options;
  const id = randomBytes(4).toString('hex');
  const dir = await mkdtemp(path.join(os.tmpdir(), `vidgen-${name}-`));
  const prefix = `vidgen-${name}-${id}`;
  const bucket = `vidgen-${name}-${id}`;
  const scratchDir = path.join(dir, 'scratch');
  const cleanups: Array<() => Promise<void>> = [];
  const workers: SuiteWorker[] = [];
  let api: WorkerHandle | null = null;
  try {
    let redisServer: RedisServer = await startRedisServer({ dir: path.join(dir, 'redis'), appendOnly: true });
    const redisPort = redisServer.port;
    cleanups.push(() => redisServer.stop());
    const s3rver: EmbeddedS3 = await startEmbeddedS3({ port: 0, directory: path.join(dir, 's3'), buckets: [] });
    cleanups.push(() => s3rver.close());
    const s3 = createS3Client({ endpoint: s3rver.endpoint, region: 'us-east-1', credentials: { accessKeyId: s3rver.accessKeyId, secretAccessKey: s3rver.secretAccessKey }, forcePathStyle: true, requestChecksum: 'when_required', maxAttempts: 3 });
    cleanups.push(async () => s3.destroy());
    await ensureBucket(s3, bucket);
    const proxy = await startFaultProxy(s3rver.endpoint, (_n, req) => faults(req));
    cleanups.push(() => proxy.close());
    const receiver = await startWebhookReceiver();
    cleanups.push(() => receiver.close());

    const env: Record<string, string> = {
      NODE_ENV: 'test',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
      REDIS_URL: redisServer.url,
      QUEUE_PREFIX: prefix,
      S3_ENDPOINT: proxy.endpoint,
      S3_ACCESS_KEY_ID: s3rver.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3rver.secretAccessKey,
      S3_BUCKET: bucket,
      SCRATCH_DIR: scratchDir,
      ARTIFACT_CACHE_DIR: path.join(dir, 'artifacts'),
      RATE_LIMIT_SUBMISSIONS: '0',
      // One owner submits the whole run, on every worker at once: no per-owner caps.
      OWNER_MAX_QUEUED_JOBS: '0',
      OWNER_MAX_ACTIVE_JOBS: '0',
      OWNER_DAILY_VIDEO_SECONDS: '0',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF_MS: '200',
      ...options.env,
    };
    const redis = new Redis(redisServer.url, { maxRetriesPerRequest: null });
    redis.on('error', () => undefined);
    cleanups.push(async () => redis.disconnect());
    api = await startApiProcess(env);
    let count = 0;
    const startWorker = async (): Promise<SuiteWorker> => {
      const handle = await startWorkerProcess(env);
      const worker: SuiteWorker = { ...handle, name: `w${++count}`, currentJob: trackJobs(handle) };
      workers.push(worker);
      return worker;
    };
    for (let i = 0; i < options.workers; i += 1) await startWorker();
    // If the harness itself dies (an exception, process.exit before stop()), take the stack with it:
    // a private redis-server, workers or ffmpeg left running would outlive the suite and load the next one.
    const onExit = () => {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      api?.child.kill('SIGKILL');
      redisServer.process.kill('SIGKILL');
      killProcessesMentioning(dir);
      rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', onExit);
    cleanups.unshift(async () => void process.removeListener('exit', onExit));

    return {
      dir,
      prefix,
      bucket,
      scratchDir,
      env,
      redisUrl: redisServer.url,
      redisPort,
      redis,
      store: new JobStore(redis, prefix),
      tracker: new JobProgressTracker({ redis, prefix }),
      s3,
      proxy,
      receiver,
      api,
      workers,
      startWorker,
      killRedis: () => redisServer.kill(),
      async restartRedis() {
        redisServer = await startRedisServer({ dir: path.join(dir, 'redis'), appendOnly: true, port: redisPort });
        await waitFor(() => redis.ping().catch(() => ''), (p) => p === 'PONG', { timeoutMs: 20000, what: 'the suite client to reconnect' });
      },
      async stop() {
        await Promise.all(workers.map((w) => w.stop('SIGTERM')));
        await api?.stop('SIGTERM');
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const w of workers) await w.stop('SIGKILL');
    await api?.stop('SIGKILL');
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
