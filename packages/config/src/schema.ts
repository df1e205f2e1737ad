import Joi from 'joi';

const bool = () => Joi.boolean().truthy('1', 'yes', 'on').falsy('0', 'no', 'off', '');
const port = () => Joi.number().integer().min(0).max(65535);

/**
 * Every setting of every app, with type, default, bounds and a description.
 * Names are the environment variable names. Libraries never read the
 * environment: apps load this once at boot and pass options down.
 */
export const envSchema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development').description('Runtime mode. production requires API_KEYS.'),
  LOG_LEVEL: Joi.string().valid('error', 'warn', 'info', 'debug').default('info').description('Lowest log level written.'),
  LOG_FORMAT: Joi.string().valid('auto', 'json', 'pretty').default('auto').description('json, pretty, or auto (pretty only when stdout is a terminal).'),

  API_HOST: Joi.string().hostname().default('127.0.0.1').description('Address the API listens on (0.0.0.0 in containers).'),
  API_PORT: port().default(3000).description('Port of the HTTP API.'),
  API_KEYS: Joi.string().allow('').default('').description('Comma-separated owner:key pairs; several keys per owner allow rotation. Empty: open development mode as owner "anonymous".'),
  ALLOW_ULTRA: bool().default(false).description('Accept quality "ultra" (3840x2160@60).'),
  REQUEST_BODY_LIMIT_BYTES: Joi.number().integer().min(1024).max(10 * 1024 * 1024).default(1024 * 1024).description('Largest accepted request body.'),
  SIGNING_SECRET: Joi.string().min(32).description('Secret (32+ characters) that signs short-lived URL tokens (event streams). Required in production; development makes a random one per process.'),
  EVENTS_TOKEN_TTL_SECONDS: Joi.number().integer().min(10).max(24 * 3600).default(600).description('Lifetime of the signed token that lets EventSource clients open a job event stream.'),
  SSE_HEARTBEAT_MS: Joi.number().integer().min(100).max(60000).default(15000).description('Interval of the comment heartbeat on event streams.'),
  SHUTDOWN_GRACE_MS: Joi.number().integer().min(0).max(600000).default(10000).description('How long the API drains in-flight requests on SIGTERM.'),

  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }).default('redis://127.0.0.1:6379').description('Redis connection URL.'),
  QUEUE_PREFIX: Joi.string().pattern(/^[A-Za-z0-9_:{}.-]{1,64}$/).default('vidgen').description('Prefix of every Redis key of this deployment (queue, records, indexes).'),
  JOB_RECORD_TTL_SECONDS: Joi.number().integer().min(60).max(365 * 24 * 3600).default(30 * 24 * 3600).description('How long job and progress records live after a job reaches a terminal status.'),
  PROGRESS_MIN_INTERVAL_MS: Joi.number().integer().min(0).max(10000).default(250).description('Minimum time between two progress writes of one job (stage boundaries are always written).'),
  JOB_ATTEMPTS: Joi.number().integer().min(1).max(20).default(3).description('Attempts per job for retryable failures.'),
  JOB_BACKOFF_MS: Joi.number().integer().min(0).max(3600000).default(5000).description('Base delay of the exponential backoff between attempts.'),
  BULL_LOCK_DURATION_MS: Joi.number().integer().min(1000).max(600000).default(30000).description('Bull job lock duration; a worker that stops renewing it loses the job.'),
  BULL_STALLED_INTERVAL_MS: Joi.number().integer().min(1000).max(600000).default(30000).description('How often workers look for stalled jobs.'),
  BULL_MAX_STALLED_COUNT: Joi.number().integer().min(0).max(10).default(2).description('How often a job may stall before it fails.'),

  S3_ENDPOINT: Joi.string().uri({ scheme: ['http', 'https'] }).description('S3-compatible endpoint URL; unset means AWS (or, under `pnpm start`, the embedded store).'),
  S3_PUBLIC_ENDPOINT: Joi.string().uri({ scheme: ['http', 'https'] }).description('Endpoint that clients use to download, when it differs from S3_ENDPOINT.'),
  S3_REGION: Joi.string().default('us-east-1').description('S3 region.'),
  S3_BUCKET: Joi.string().pattern(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/).default('vidgen').description('Bucket for all outputs.'),
  S3_ACCESS_KEY_ID: Joi.string().description('S3 access key; unset uses the SDK default credential chain.'),
  S3_SECRET_ACCESS_KEY: Joi.string().description('S3 secret key.'),
  S3_FORCE_PATH_STYLE: bool().description('Path-style bucket addressing; defaults to true when S3_ENDPOINT is set.'),
  S3_REQUEST_CHECKSUM: Joi.string().valid('when_supported', 'when_required').description('SDK request checksums; when_required for stores that mishandle aws-chunked bodies (s3rver). Defaults to when_required with S3_ENDPOINT, when_supported on AWS.'),
  S3_MAX_ATTEMPTS: Joi.number().integer().min(1).max(10).default(3).description('SDK-level attempts per S3 request.'),
  S3_PART_SIZE_BYTES: Joi.number().integer().min(5 * 1024 * 1024).max(5 * 1024 * 1024 * 1024).default(8 * 1024 * 1024).description('Multipart upload part size (at least 5 MiB).'),
  S3_QUEUE_SIZE: Joi.number().integer().min(1).max(32).default(4).description('Parts uploaded in parallel.'),
  SIGNED_URL_TTL_SECONDS: Joi.number().integer().min(60).max(7 * 24 * 3600).default(3600).description('Lifetime of signed download URLs (at most 7 days).'),

  WORKER_HTTP_HOST: Joi.string().hostname().default('127.0.0.1').description('Address of the worker health server.'),
  WORKER_HTTP_PORT: port().default(3001).description('Port of the worker health server.'),
  WORKER_CONCURRENCY: Joi.number().integer().min(1).max(64).default(1).description('Jobs one worker process runs at once.'),
  WORKER_SHUTDOWN_GRACE_MS: Joi.number().integer().min(0).max(3600000).default(30000).description('How long a worker lets its current job finish on SIGTERM.'),
  SCRATCH_DIR: Joi.string().description('Where workers keep per-job scratch dirs (default: <os tmpdir>/vidgen).'),
  FFMPEG_PATH: Joi.string().description('ffmpeg binary; default: the one shipped by @ffmpeg-installer/ffmpeg.'),
  FFPROBE_PATH: Joi.string().description('ffprobe binary; default: the one shipped by ffprobe-static.'),
  NARRATION_ENABLED: bool().default(false).description('Workers of this deployment have espeak-ng: accept narration and require TTS for readiness.'),

  DATA_DIR: Joi.string().default('.data').description('Embedded-mode data (S3 objects, Redis) for `pnpm start`.'),
  EMBEDDED_S3_PORT: port().default(4569).description('Port of the embedded S3-compatible store under `pnpm start`.'),
})
  .unknown(true)
  .required();
