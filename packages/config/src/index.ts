import { randomBytes } from 'node:crypto';
import { envSchema } from './schema';

export { envSchema } from './schema';

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
    /** Signs short-lived URL tokens; random per process when unset in development. */
    signingSecret: string;
    signingSecretGenerated: boolean;
    eventsTokenTtlSeconds: number;
    sseHeartbeatMs: number;
  };
  narrationEnabled: boolean;
  redis: { url: string; prefix: string; recordTtlSeconds: number };
  progress: { minIntervalMs: number };
  queue: {
    attempts: number;
    backoffMs: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
    maxStalledCount: number;
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
  };
  worker: {
    host: string;
    port: number;
    concurrency: number;
    shutdownGraceMs: number;
    scratchDir?: string;
    ffmpegPath?: string;
    ffprobePath?: string;
  };
  embedded: { dataDir: string; s3Port: number };
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
    keys.push({ owner, key });
  }
  return keys;
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
  const { error, value: v } = envSchema.validate(source, { abortEarly: false, convert: true });
  const problems: string[] = error ? error.details.map((d) => d.message.replace(/"/g, '')) : [];
  // Cross-setting rules run even when the schema failed, so one start-up reports everything.
  const keys = parseApiKeys(typeof v.API_KEYS === 'string' ? v.API_KEYS : '', problems);
  if (v.NODE_ENV === 'production' && keys.length === 0) problems.push('API_KEYS: required when NODE_ENV=production (open mode is for development only)');
  if (v.NODE_ENV === 'production' && !v.SIGNING_SECRET) problems.push('SIGNING_SECRET: required when NODE_ENV=production (every API replica must sign and verify tokens alike)');
  if (Boolean(v.S3_ACCESS_KEY_ID) !== Boolean(v.S3_SECRET_ACCESS_KEY)) problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together');
  if (v.API_PORT !== 0 && v.API_PORT === v.WORKER_HTTP_PORT && v.API_HOST === v.WORKER_HTTP_HOST) problems.push('API_PORT and WORKER_HTTP_PORT must differ');
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
      signingSecret: v.SIGNING_SECRET ?? randomBytes(32).toString('hex'),
      signingSecretGenerated: !v.SIGNING_SECRET,
      eventsTokenTtlSeconds: v.EVENTS_TOKEN_TTL_SECONDS,
      sseHeartbeatMs: v.SSE_HEARTBEAT_MS,
    },
    narrationEnabled: v.NARRATION_ENABLED,
    redis: { url: v.REDIS_URL, prefix: v.QUEUE_PREFIX, recordTtlSeconds: v.JOB_RECORD_TTL_SECONDS },
    progress: { minIntervalMs: v.PROGRESS_MIN_INTERVAL_MS },
    queue: {
      attempts: v.JOB_ATTEMPTS,
      backoffMs: v.JOB_BACKOFF_MS,
      lockDurationMs: v.BULL_LOCK_DURATION_MS,
      stalledIntervalMs: v.BULL_STALLED_INTERVAL_MS,
      maxStalledCount: v.BULL_MAX_STALLED_COUNT,
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
    },
    worker: {
      host: v.WORKER_HTTP_HOST,
      port: v.WORKER_HTTP_PORT,
      concurrency: v.WORKER_CONCURRENCY,
      shutdownGraceMs: v.WORKER_SHUTDOWN_GRACE_MS,
      scratchDir: v.SCRATCH_DIR,
      ffmpegPath: v.FFMPEG_PATH,
      ffprobePath: v.FFPROBE_PATH,
    },
    embedded: { dataDir: v.DATA_DIR, s3Port: v.EMBEDDED_S3_PORT },
  };
  return deepFreeze(config);
}
