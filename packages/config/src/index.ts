import { randomBytes } from 'node:crypto';
import { envSchema } from './schema';
import { deploymentProblems, deploymentWarnings } from './rules';

export { envSchema } from './schema';
export * from './settings';
export * from './redact';
export * from './docs';
export * from './templates';
export * from './secrets-policy';

export interface ApiKey {
  owner: string;
  key: string;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  log: { level: 'error' | 'warn' | 'info' | 'debug'; format: 'auto' | 'json' | 'pretty' };
  api: {
    host: string;
    port: number;
    keys: readonly ApiKey[];
    allowUltra: boolean;
    bodyLimitBytes: number;
    shutdownGraceMs: number;
    /** Node HTTP server limits: headers and whole request receive times, idle keep-alive, open connections (0: no cap). */
    http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
    /** Signs short-lived URL tokens; random per process when unset in development. */
    signingSecret: string;
    signingSecretGenerated: boolean;
    eventsTokenTtlSeconds: number;
    sseHeartbeatMs: number;
    /** SSE_QUEUE_POSITION_INTERVAL_MS. */
    sseQueuePositionIntervalMs: number;
    /** Open event streams allowed per API process and per owner (429 TOO_MANY_EVENT_STREAMS beyond). */
    sseMaxStreams: number;
    sseMaxStreamsPerOwner: number;
    /** Longest lifetime of one event stream; then it ends with a reconnect event. */
    sseMaxLifetimeSeconds: number;
    /** Submissions per owner per window, counted in Redis; 0: no limit. */
    rateLimit: { submissions: number; windowSeconds: number };
    /** PUBLIC_BASE_URL without a trailing slash; unset (development): the API's own host and port (defaultPublicBaseUrl). */
    publicBaseUrl?: string;
    /** CORS_ORIGINS (or the deprecated HLS_CORS_ORIGINS): origins whose pages may call the API; ['*'] allows any. */
    corsOrigins: readonly string[];
  };
  webhooks: {
    /** Owner → signing secret (WEBHOOK_SECRETS). */
    secrets: Readonly<Record<string, string>>;
    allowPrivate: boolean;
    timeoutMs: number;
    maxAttempts: number;
    backoffMs: number;
    retryWindowMs: number;
  };
  narrationEnabled: boolean;
  /** What a job that does not say gets (NARRATION_DEFAULT; only with narrationEnabled). */
  narrationDefault: boolean;
  /** Narration engine: the one TTS_ENGINE names (else the best installed) and the per-sentence time limit. */
  tts: { engine: 'festival' | 'flite' | 'espeak' | undefined; sentenceTimeoutMs: number };
  /** Who plans scenes (PLANNER) and, for llm, the endpoint and its handling (LLM_*). */
  planner: {
    name: 'rules' | 'llm';
    llm?: { baseUrl: string; apiKey?: string; model: string; timeoutMs: number; maxTokens: number; fallback: boolean; cacheTtlSeconds: number };
  };
  /** What one job may cost: MAX_VIDEO_SECONDS (speech included); what one owner may hold (0: no limit). */
  limits: { maxVideoSeconds: number; ownerMaxQueuedJobs: number; ownerMaxActiveJobs: number; ownerDailyVideoSeconds: number };
  redis: { url: string; prefix: string; recordTtlSeconds: number; failedRecordTtlSeconds: number; cluster: boolean };
  progress: { minIntervalMs: number };
  /** Versioned video metadata: at most maxVersions versions per video (METADATA_VERSION_LIMIT beyond). */
  metadata: { maxVersions: number };
  queue: {
    attempts: number;
    backoffMs: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
    maxStalledCount: number;
    /** Bull's wait after a Redis error in the processing loop. */
    retryProcessDelayMs: number;
    /** Owner-fair priorities (QUEUE_FAIR_SHARE); false: FIFO. */
    fairShare: boolean;
  };
  s3: {
    endpoint?: string;
    publicEndpoint?: string;
    region: string;
    bucket: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: boolean;
    requestChecksum: 'when_supported' | 'when_required';
    maxAttempts: number;
    partSizeBytes: number;
    queueSize: number;
    signedUrlTtlSeconds: number;
    /** Our upload retry policy, on top of the SDK's maxAttempts. */
    retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
    batchConcurrency: number;
    verifyEtag: boolean;
    /** PutObject/UploadPart bodies go unsigned when the MD5 check covers them (see createS3Client). */
    unsignedUploadPayload: boolean;
    /** Plain `<cdnBaseUrl>/<key>` URLs instead of presigned ones. */
    cdnBaseUrl?: string;
  };
  delivery: {
    thumbnailCount: number;
    thumbnailWidth: number;
    hlsSegmentSeconds: number;
  };
  worker: {
    host: string;
    port: number;
    concurrency: number;
    shutdownGraceMs: number;
    /** Time limit of one attempt; the attempt then fails as JOB_TIMEOUT. */
    jobTimeoutMs: number;
    scratchDir?: string;
    /** Scratch dirs older than this are removed by the janitor. */
    scratchStaleAfterMs: number;
    /** How often the janitor runs while the worker runs. */
    scratchJanitorIntervalMs: number;
    /** Outputs of failed uploads, reused by the next attempt (unset: <os tmpdir>/vidgen-artifacts). */
    artifactCacheDir?: string;
    artifactCacheTtlMs: number;
    ffmpegPath?: string;
    ffprobePath?: string;
  };
  embedded: { dataDir: string; s3Port: number };
  /** Operator endpoints of the API (bull-board, /metrics); no key: no board. */
  admin: { apiKey?: string };
  metrics: { queueCacheMs: number };
}

/**
 * The public base URL when PUBLIC_BASE_URL is unset (development only): the
 * API's own host and port, with a wildcard listen address replaced by one a
 * client on this machine can reach.
 */
export function defaultPublicBaseUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/** Thrown when the environment is invalid; `problems` lists every one of them. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function parseApiKeys(raw: string, problems: string[]): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = entry.indexOf(':');
    const owner = i > 0 ? entry.slice(0, i).trim() : '';
    const key = i > 0 ? entry.slice(i + 1).trim() : '';
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(owner) || key.length < 8) {
      problems.push(`API_KEYS: each entry must be owner:key (owner of letters, digits, _.-; key at least 8 characters); got an entry starting "${entry.slice(0, 4)}…"`);
      continue;
    }
    if (/^\.+$/.test(owner)) {
      // The owner is a path segment of the S3 object keys (videos/<owner>/<job_id>/…): "." and ".." would walk the key space.
      problems.push(`API_KEYS: the owner "${owner}" is only dots, which is not allowed (owners are a segment of S3 object keys videos/<owner>/…); use at least one letter, digit, _ or -`);
      continue;
    }
    keys.push({ owner, key });
  }
  return keys;
}

function parseWebhookSecrets(raw: string, problems: string[]): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const entry of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = entry.indexOf(':');
    const owner = i > 0 ? entry.slice(0, i).trim() : '';
    const secret = i > 0 ? entry.slice(i + 1).trim() : '';
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(owner) || secret.length < 16) {
      problems.push(`WEBHOOK_SECRETS: each entry must be owner:secret (secret at least 16 characters); got an entry starting "${entry.slice(0, 4)}…"`);
      continue;
    }
    secrets[owner] = secret;
  }
  return secrets;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Loads and validates the configuration once; throws ConfigError listing every problem. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  return loadConfigWithWarnings(source).config;
}

/** loadConfig, plus the warnings (valid but doubtful settings) that apps log at start. */
export function loadConfigWithWarnings(source: NodeJS.ProcessEnv = process.env): { config: Config; warnings: string[] } {
  const { error, value: v } = envSchema.validate(source, { abortEarly: false, convert: true });
  const problems: string[] = error ? error.details.map((d) => d.message.replace(/"/g, '')) : [];
  // Cross-setting rules run even when the schema failed, so one start-up reports everything.
  const keys = parseApiKeys(typeof v.API_KEYS === 'string' ? v.API_KEYS : '', problems);
  const webhookSecrets = parseWebhookSecrets(typeof v.WEBHOOK_SECRETS === 'string' ? v.WEBHOOK_SECRETS : '', problems);
  if (v.NODE_ENV === 'production' && keys.length === 0) problems.push('API_KEYS: required when NODE_ENV=production (open mode is for development only)');
  if (v.NODE_ENV === 'production' && !v.SIGNING_SECRET) problems.push('SIGNING_SECRET: required when NODE_ENV=production (every API replica and worker must sign and verify tokens alike)');
  if (Boolean(v.S3_ACCESS_KEY_ID) !== Boolean(v.S3_SECRET_ACCESS_KEY)) problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together');
  if (v.API_PORT !== 0 && v.API_PORT === v.WORKER_HTTP_PORT && v.API_HOST === v.WORKER_HTTP_HOST) problems.push('API_PORT and WORKER_HTTP_PORT must differ');
  if (v.API_REQUEST_TIMEOUT_MS < v.API_HEADERS_TIMEOUT_MS) problems.push('API_REQUEST_TIMEOUT_MS must be at least API_HEADERS_TIMEOUT_MS (the headers are part of the request)');
  if (v.S3_RETRY_MAX_DELAY_MS < v.S3_RETRY_BASE_DELAY_MS) problems.push('S3_RETRY_MAX_DELAY_MS must be at least S3_RETRY_BASE_DELAY_MS');
  if (v.PLANNER === 'llm' && !v.LLM_BASE_URL) problems.push('LLM_BASE_URL: required with PLANNER=llm (the OpenAI-compatible endpoint, up to /v1)');
  if (v.PLANNER === 'llm' && !v.LLM_MODEL) problems.push('LLM_MODEL: required with PLANNER=llm (the model name the endpoint serves)');
  problems.push(...deploymentProblems(v));
  if (problems.length > 0) throw new ConfigError(problems);

  const config: Config = {
    env: v.NODE_ENV,
    log: { level: v.LOG_LEVEL, format: v.LOG_FORMAT },
    api: {
      host: v.API_HOST,
      port: v.API_PORT,
      keys,
      allowUltra: v.ALLOW_ULTRA,
      bodyLimitBytes: v.REQUEST_BODY_LIMIT_BYTES,
      shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
      http: { headersTimeoutMs: v.API_HEADERS_TIMEOUT_MS, requestTimeoutMs: v.API_REQUEST_TIMEOUT_MS, keepAliveTimeoutMs: v.API_KEEP_ALIVE_TIMEOUT_MS, maxConnections: v.API_MAX_CONNECTIONS },
      signingSecret: v.SIGNING_SECRET ?? randomBytes(32).toString('hex'),
      signingSecretGenerated: !v.SIGNING_SECRET,
      eventsTokenTtlSeconds: v.EVENTS_TOKEN_TTL_SECONDS,
      sseHeartbeatMs: v.SSE_HEARTBEAT_MS,
      sseQueuePositionIntervalMs: v.SSE_QUEUE_POSITION_INTERVAL_MS,
      sseMaxStreams: v.SSE_MAX_STREAMS,
      sseMaxStreamsPerOwner: v.SSE_MAX_STREAMS_PER_OWNER,
      sseMaxLifetimeSeconds: v.SSE_MAX_LIFETIME_SECONDS,
      rateLimit: { submissions: v.RATE_LIMIT_SUBMISSIONS, windowSeconds: v.RATE_LIMIT_WINDOW_SECONDS },
      publicBaseUrl: typeof v.PUBLIC_BASE_URL === 'string' ? v.PUBLIC_BASE_URL.replace(/\/+$/, '') : undefined,
      corsOrigins: String(v.CORS_ORIGINS ?? v.HLS_CORS_ORIGINS ?? '*').split(',').map((o: string) => o.trim()).filter(Boolean),
    },
    webhooks: {
      secrets: webhookSecrets,
      allowPrivate: v.WEBHOOK_ALLOW_PRIVATE,
      timeoutMs: v.WEBHOOK_TIMEOUT_MS,
      maxAttempts: v.WEBHOOK_MAX_ATTEMPTS,
      backoffMs: v.WEBHOOK_BACKOFF_MS,
      retryWindowMs: v.WEBHOOK_RETRY_WINDOW_MS,
    },
    narrationEnabled: v.NARRATION_ENABLED,
    narrationDefault: v.NARRATION_DEFAULT,
    tts: { engine: v.TTS_ENGINE, sentenceTimeoutMs: v.TTS_SENTENCE_TIMEOUT_MS },
    planner: {
      name: v.PLANNER,
      llm:
        v.PLANNER === 'llm'
          ? { baseUrl: v.LLM_BASE_URL, apiKey: v.LLM_API_KEY, model: v.LLM_MODEL, timeoutMs: v.LLM_TIMEOUT_MS, maxTokens: v.LLM_MAX_TOKENS, fallback: v.LLM_FALLBACK, cacheTtlSeconds: v.LLM_CACHE_TTL_SECONDS }
          : undefined,
    },
    limits: { maxVideoSeconds: v.MAX_VIDEO_SECONDS, ownerMaxQueuedJobs: v.OWNER_MAX_QUEUED_JOBS, ownerMaxActiveJobs: v.OWNER_MAX_ACTIVE_JOBS, ownerDailyVideoSeconds: v.OWNER_DAILY_VIDEO_SECONDS },
    redis: { url: v.REDIS_URL, prefix: v.QUEUE_PREFIX, recordTtlSeconds: v.JOB_RECORD_TTL_SECONDS, failedRecordTtlSeconds: v.JOB_RECORD_TTL_FAILED_SECONDS, cluster: v.REDIS_CLUSTER },
    progress: { minIntervalMs: v.PROGRESS_MIN_INTERVAL_MS },
    metadata: { maxVersions: v.METADATA_MAX_VERSIONS },
    queue: {
      attempts: v.JOB_ATTEMPTS,
      backoffMs: v.JOB_BACKOFF_MS,
      lockDurationMs: v.BULL_LOCK_DURATION_MS,
      stalledIntervalMs: v.BULL_STALLED_INTERVAL_MS,
      maxStalledCount: v.BULL_MAX_STALLED_COUNT,
      retryProcessDelayMs: v.BULL_RETRY_PROCESS_DELAY_MS,
      fairShare: v.QUEUE_FAIR_SHARE,
    },
    s3: {
      endpoint: v.S3_ENDPOINT,
      publicEndpoint: v.S3_PUBLIC_ENDPOINT,
      region: v.S3_REGION,
      bucket: v.S3_BUCKET,
      credentials: v.S3_ACCESS_KEY_ID ? { accessKeyId: v.S3_ACCESS_KEY_ID, secretAccessKey: v.S3_SECRET_ACCESS_KEY } : undefined,
      forcePathStyle: v.S3_FORCE_PATH_STYLE ?? Boolean(v.S3_ENDPOINT),
      requestChecksum: v.S3_REQUEST_CHECKSUM ?? (v.S3_ENDPOINT ? 'when_required' : 'when_supported'),
      maxAttempts: v.S3_MAX_ATTEMPTS,
      partSizeBytes: v.S3_PART_SIZE_BYTES,
      queueSize: v.S3_QUEUE_SIZE,
      signedUrlTtlSeconds: v.SIGNED_URL_TTL_SECONDS,
      retry: { attempts: v.S3_RETRY_ATTEMPTS, baseDelayMs: v.S3_RETRY_BASE_DELAY_MS, maxDelayMs: v.S3_RETRY_MAX_DELAY_MS },
      batchConcurrency: v.S3_BATCH_CONCURRENCY,
      verifyEtag: v.S3_VERIFY_ETAG,
      unsignedUploadPayload: v.S3_VERIFY_ETAG,
      cdnBaseUrl: v.CDN_BASE_URL,
    },
    delivery: {
      thumbnailCount: v.THUMBNAIL_COUNT,
      thumbnailWidth: v.THUMBNAIL_WIDTH,
      hlsSegmentSeconds: v.HLS_SEGMENT_SECONDS,
    },
    worker: {
      host: v.WORKER_HTTP_HOST,
      port: v.WORKER_HTTP_PORT,
      concurrency: v.WORKER_CONCURRENCY,
      shutdownGraceMs: v.WORKER_SHUTDOWN_GRACE_MS,
      jobTimeoutMs: v.JOB_TIMEOUT_MS,
      scratchDir: v.SCRATCH_DIR,
      scratchStaleAfterMs: v.SCRATCH_STALE_AFTER_MS,
      scratchJanitorIntervalMs: v.SCRATCH_JANITOR_INTERVAL_MS,
      artifactCacheDir: v.ARTIFACT_CACHE_DIR,
      artifactCacheTtlMs: v.ARTIFACT_CACHE_TTL_MS,
      ffmpegPath: v.FFMPEG_PATH,
      ffprobePath: v.FFPROBE_PATH,
    },
    embedded: { dataDir: v.DATA_DIR, s3Port: v.EMBEDDED_S3_PORT },
    admin: { apiKey: v.ADMIN_API_KEY },
    metrics: { queueCacheMs: v.QUEUE_METRICS_CACHE_MS },
  };
  return { config: deepFreeze(config), warnings: deploymentWarnings(v) };
}
