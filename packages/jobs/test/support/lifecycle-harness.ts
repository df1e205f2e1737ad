import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Redis from 'ioredis';
import { HeadObjectCommand, ListObjectsV2Command, type HeadObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { VidgenError, silentLogger, type JobConfiguration } from '@vidgen/core';
import { resolveFfmpegPath, resolveFfprobePath } from '@vidgen/ffmpeg';
import { VideoMetadataManager } from '@vidgen/metadata';
import { PipelineIntegrator } from '@vidgen/pipeline';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore, VideoBudget, publishCancel, type VideoJob } from '@vidgen/queue';
import { S3UploadManager, createS3Client, jobObjectPrefix } from '@vidgen/storage';
import { createTestEnv, startFaultProxy, type Fault, type FaultProxy, type TestEnv } from '@vidgen/testing';
// The attempt as it stands on main (issue 16 moves it to packages/jobs/src/attempt.ts): only this file names it.
import { createGenerateVideoHandler } from '../../../../apps/worker/src/handlers/generate-video';
import { ArtifactCache } from '../../../../apps/worker/src/handlers/artifact-cache';
import { AttemptSignals } from '../../../../apps/worker/src/handlers/attempt-signals';
import { createStaleProgressReset } from '../../../../apps/worker/src/handlers/stale-progress';
import { CancellationRegistry } from '../../../../apps/worker/src/cancellation';

/** OWNER_DAILY_VIDEO_SECONDS of the harness: far above what its jobs plan, so only settling is observed. */
export const BUDGET_LIMIT_SECONDS = 600;

/** A job that renders in about a second: one short scene, low quality, MP4 and stills only. */
export function tinyJob(overrides: Partial<JobConfiguration> = {}): JobConfiguration {
  return {
    topic: 'Lifecycle',
    quality: 'low',
    subtitles: false,
    narration: false,
    formats: ['mp4'],
    scenes: [{ text: 'One short scene.', duration_seconds: 1 }],
    ...overrides,
  } as JobConfiguration;
}

/** How the queue would see one attempt's end: what the handler threw, and what it asked of the queue. */
export interface AttemptOutcome {
  /** What the handler threw (null: it returned). */
  error: unknown;
  /** The handler asked for no further attempts (a permanent failure). */
  permanent: boolean;
  /** The queue runs another attempt: the handler threw, did not end the job for good, and attempts are left (maybe granted by the handler). */
  retry: boolean;
}

export interface AttemptOptions {
  /** Attempts the queue made before this one (Bull's attemptsMade). */
  attemptsMade?: number;
  /** Attempts the queue allows the job in all. */
  attemptsAllowed?: number;
  /** Called once the attempt is running, with its promise still pending (cancel while it runs). */
  during?: () => Promise<void>;
}

export interface SubmittedJob {
  id: string;
  owner: string;
}

export interface LifecycleHarness {
  env: TestEnv;
  redis: Redis;
  store: JobStore;
  tracker: JobProgressTracker;
  metadata: VideoMetadataManager;
  budget: VideoBudget;
  artifacts: ArtifactCache;
  /** The proxy between the upload manager and s3rver; `uploadFault` decides what it does with uploads. */
  proxy: FaultProxy;
  /** Job ids the pipeline rendered, one entry per rendering attempt. */
  rendered: string[];
  /** Terminal events the store emitted (its onTerminal hook, where webhooks hang), in order. */
  terminalEvents: Array<{ jobId: string; status: string; eventId: string }>;
  /** The fault every upload request (PUT, POST) meets; null: uploads pass. Reads (HEAD, GET) always pass. */
  uploadFault: Fault | null;
  /**
   * Records a queued job as the API does (the record, then its owner's reservation of the planned
   * seconds). Each job has an owner of its own, so the owner's budget shows this job alone.
   */
  submit(configuration?: JobConfiguration): Promise<SubmittedJob>;
  /** Hands the job to the attempt handler in this process, as the queue would. */
  attempt(jobId: string, options?: AttemptOptions): Promise<AttemptOutcome>;
  /**
   * The two steps of the API's cancel an attempt sees: the record first, then the control channel
   * message. (The API also ends the progress run and releases the reserved seconds; not the attempt's part.)
   */
  cancel(jobId: string): Promise<void>;
  /** Aborts every running attempt as a stopping worker does (WORKER_SHUTDOWN). */
  shutdown(): string[];
  /** The job's object keys in the bucket, read from s3rver directly. */
  objectKeys(job: SubmittedJob): Promise<string[]>;
  head(key: string): Promise<HeadObjectCommandOutput>;
  close(): Promise<void>;
}

let seq = 0;

/**
 * One test file's lifecycle world: the real JobStore, JobProgressTracker,
 * VideoMetadataManager and VideoBudget on the shared Redis under a private
 * prefix, the real PipelineIntegrator (ffmpeg), the real S3UploadManager
 * against s3rver over HTTP through a fault proxy, the real cancellation
 * channel; the attempt handler runs in this process, with no api or worker
 * process and no Bull queue (a stand-in job object plays the queue's part).
 */
export async function openLifecycleHarness(): Promise<LifecycleHarness> {
  const env = await createTestEnv();
  const redisUrl = env.env.REDIS_URL!;
  const redis = new Redis(redisUrl);
  const terminalEvents: LifecycleHarness['terminalEvents'] = [];
  const store = new JobStore(redis, env.prefix, { onTerminal: (jobId, status, eventId) => void terminalEvents.push({ jobId, status, eventId }) });
  const tracker = new JobProgressTracker({ redis, prefix: env.prefix });
  const metadata = new VideoMetadataManager(redis, env.prefix);
  const budget = new VideoBudget({ redis, prefix: env.prefix, limitSeconds: BUDGET_LIMIT_SECONDS });
  const artifacts = new ArtifactCache({ dir: path.join(env.scratchDir, 'artifacts'), ttlMs: 3_600_000, logger: silentLogger });

  const harness = { uploadFault: null } as LifecycleHarness;
  const proxy = await startFaultProxy(env.s3.endpoint, (_n, req) => (harness.uploadFault && (req.method === 'PUT' || req.method === 'POST') ? harness.uploadFault : 'pass'));
  const s3Options = { region: 'us-east-1', credentials: { accessKeyId: env.s3.accessKeyId, secretAccessKey: env.s3.secretAccessKey }, forcePathStyle: true, requestChecksum: 'when_required' as const };
  // The SDK's own retries are off: the upload manager's policy is the one under test, kept short.
  const uploadClient = createS3Client({ ...s3Options, endpoint: proxy.endpoint, maxAttempts: 1 });
  const directClient: S3Client = createS3Client({ ...s3Options, endpoint: env.s3.endpoint, maxAttempts: 1 });
  const uploads = new S3UploadManager({
    client: uploadClient,
    bucket: env.bucket,
    partSizeBytes: 5 * 1024 * 1024,
    queueSize: 2,
    retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    batchConcurrency: 4,
    verifyEtag: true,
    logger: silentLogger,
  });

  const registry = new CancellationRegistry({ redisUrl, prefix: env.prefix, logger: silentLogger });
  await registry.start();
  const isCancelled = async (jobId: string) => (await store.get(jobId))?.status === 'cancelled';
  const signals = new AttemptSignals({ registry, timeoutMs: 60_000, isCancelled });
  const ffmpegPath = resolveFfmpegPath(process.env.FFMPEG_PATH);
  // The worker makes its scratch dir at boot; the pipeline expects it.
  const scratchBaseDir = path.join(env.scratchDir, 'work');
  await mkdir(scratchBaseDir, { recursive: true });
  const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir, cores: 2, logger: silentLogger });
  const rendered: string[] = [];

  const handler = createGenerateVideoHandler({
    store,
    tracker,
    integrator,
    uploads,
    metadata,
    signals,
    resetStaleProgress: createStaleProgressReset(redis, env.prefix),
    budget,
    artifacts,
    ffmpegPath,
    ffprobePath: resolveFfprobePath(process.env.FFPROBE_PATH),
    delivery: { thumbnailCount: 2, thumbnailWidth: 160, hlsSegmentSeconds: 2 },
    progressMinIntervalMs: 0,
    logger: silentLogger,
    onRendered: (jobId) => void rendered.push(jobId),
  });

  Object.assign(harness, {
    env,
    redis,
    store,
    tracker,
    metadata,
    budget,
    artifacts,
    proxy,
    rendered,
    terminalEvents,
    async submit(configuration = tinyJob()) {
      seq += 1;
      const jobId = `lc-${process.pid}-${seq}-${Date.now().toString(36)}`;
      const owner = `owner-${jobId}`;
      await store.create({ job_id: jobId, owner, correlation_id: `corr-${jobId}`, configuration, created_at: new Date().toISOString() });
      const planned = (configuration.scenes ?? []).reduce((sum, s) => sum + (s.duration_seconds ?? 0), 0);
      // Keyed by the queue's job id, which is the job id for a first submission.
      const reserved = await budget.reserve(owner, jobId, planned);
      if (!reserved.ok) throw new Error('the harness budget refused a reservation');
      return { id: jobId, owner };
    },
    async attempt(jobId: string, options: AttemptOptions = {}) {
      const { attemptsMade = 0, attemptsAllowed = 3, during } = options;
      // The stand-in for the Bull job the handler receives today: what it reads (id, data, attemptsMade,
      // opts.attempts) and the two requests it makes of the queue (discard; a raised opts.attempts).
      let discarded = false;
      const job = {
        id: jobId,
        data: { job_id: jobId, correlation_id: `corr-${jobId}` },
        attemptsMade,
        opts: { attempts: attemptsAllowed },
        discard: async () => void (discarded = true),
      };
      const running = handler(job as unknown as VideoJob).then(
        () => null,
        (err: unknown) => err ?? new Error('rejected without a reason'),
      );
      if (during) await during();
      const error = await running;
      return { error, permanent: discarded, retry: error !== null && !discarded && attemptsMade + 1 < job.opts.attempts };
    },
    async cancel(jobId: string) {
      const outcome = await store.cancel(jobId);
      if (outcome !== 'ok') throw new Error(`cancel refused: ${outcome}`);
      await publishCancel(redis, env.prefix, jobId);
    },
    shutdown: () => signals.abortAll(() => new VidgenError('WORKER_SHUTDOWN')),
    async objectKeys({ id, owner }: SubmittedJob) {
      const listed = await directClient.send(new ListObjectsV2Command({ Bucket: env.bucket, Prefix: jobObjectPrefix(owner, id) }));
      return (listed.Contents ?? []).map((o) => o.Key!).sort();
    },
    head: (key: string) => directClient.send(new HeadObjectCommand({ Bucket: env.bucket, Key: key })),
    async close() {
      await registry.close();
      await proxy.close();
      uploadClient.destroy();
      directClient.destroy();
      redis.disconnect();
      await env.cleanup();
    },
  });
  return harness;
}
