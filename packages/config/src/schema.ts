import Joi from 'joi';

const bool = () => Joi.boolean().truthy('1', 'yes', 'on').falsy('0', 'no', 'off', '');
const port = () => Joi.number().integer().min(0).max(65535);

/**
 * Every setting of every app, with type, default, bounds and a description.
 * Names are the environment variable names. Libraries never read the
 * environment: apps load this once at boot and pass options down.
 */
export const envSchema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development').description('Runtime mode. production requires API_KEYS, SIGNING_SECRET and real S3 credentials (or S3_USE_DEFAULT_CREDENTIALS=true), and refuses secrets copied from a template (containing CHANGE_ME or change-me, or a published example).'),
  LOG_LEVEL: Joi.string().valid('error', 'warn', 'info', 'debug').default('info').description('Lowest log level written.'),
  LOG_FORMAT: Joi.string().valid('auto', 'json', 'pretty').default('auto').description('json, pretty, or auto (pretty only when stdout is a terminal).'),
  QUEUE_METRICS_CACHE_MS: Joi.number().integer().min(0).max(60000).default(5000).description('How long the queue counts on /metrics are reused before a scrape reads them again (a slow read never holds a scrape for more than 250 ms).'),

  API_HOST: Joi.string().hostname().default('127.0.0.1').description('Address the API listens on (0.0.0.0 in containers).'),
  API_PORT: port().default(3000).description('Port of the HTTP API.'),
  API_KEYS: Joi.string().allow('').default('').description('Comma-separated owner:key pairs; several keys per owner allow rotation. Production refuses keys under 24 characters and template placeholders (CHANGE_ME, change-me). Empty: open development mode as owner "anonymous".').meta({ secret: true }),
  ALLOW_ULTRA: bool().default(false).description('Accept quality "ultra" (3840x2160@60).'),
  REQUEST_BODY_LIMIT_BYTES: Joi.number().integer().min(1024).max(10 * 1024 * 1024).default(1024 * 1024).description('Largest accepted request body.'),
  SIGNING_SECRET: Joi.string().min(32).description('Secret (32+ characters) that signs short-lived URL tokens (event streams). Required in production; development makes a random one per process.').meta({ secret: true }),
  EVENTS_TOKEN_TTL_SECONDS: Joi.number().integer().min(10).max(24 * 3600).default(600).description('Lifetime of the signed token that lets EventSource clients open a job event stream.'),
  SSE_HEARTBEAT_MS: Joi.number().integer().min(100).max(60000).default(15000).description('Interval of the comment heartbeat on event streams.'),
  SSE_MAX_STREAMS: Joi.number().integer().min(1).max(100000).default(1000).description('Event streams (GET /jobs/:job_id/events) one API process keeps open at once; one more is refused with 429 TOO_MANY_EVENT_STREAMS. Each open stream holds a socket and a progress listener.'),
  SSE_MAX_STREAMS_PER_OWNER: Joi.number().integer().min(1).max(100000).default(20).description('Event streams one owner may keep open at once on one API process; one more is refused with 429 TOO_MANY_EVENT_STREAMS until one of them ends.'),
  SSE_MAX_LIFETIME_SECONDS: Joi.number().integer().min(1).max(24 * 3600).default(900).description('Longest time one event stream stays open (a little less, with jitter); then the API sends an `event: reconnect` (with a `retry:` delay) and ends it, and EventSource clients reconnect with Last-Event-ID, so long-lived connections move between replicas.'),
  API_HEADERS_TIMEOUT_MS: Joi.number().integer().min(1000).max(15000).default(10000).description('Time a client has to send the request headers; a slower one gets 408 and the socket is closed (slow-loris).'),
  API_REQUEST_TIMEOUT_MS: Joi.number().integer().min(1000).max(60000).default(30000).description('Time a client has to send a whole request (headers and body), at least API_HEADERS_TIMEOUT_MS. It bounds receiving, not answering, so event streams stay open past it.'),
  API_KEEP_ALIVE_TIMEOUT_MS: Joi.number().integer().min(1000).max(600000).default(65000).description('How long an idle keep-alive connection stays open; keep it above the idle timeout of the load balancer in front (60 s on most), so the balancer never reuses a connection the API is closing.'),
  API_MAX_CONNECTIONS: Joi.number().integer().min(0).max(1000000).default(4096).description('Open connections one API process accepts (event streams included); beyond it new connections are closed at once. 0: no cap. Keep it below the process file descriptor limit.'),
  SHUTDOWN_GRACE_MS: Joi.number().integer().min(0).max(600000).default(10000).description('How long the API drains in-flight requests on SIGTERM.'),
  ADMIN_API_KEY: Joi.string().min(16).max(256).description('Key (16+ characters) for the API\'s operator endpoints: the bull-board queue UI at /admin/queues and /metrics (Bearer, or Basic auth with the key as password). Unset: the board is not mounted and /metrics is open, to be kept internal by the ingress.').meta({ secret: true }),

  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }).default('redis://127.0.0.1:6379').description('Redis connection URL; a password goes in the URL (redis://:password@host:6379), so it is kept with the secrets.').meta({ secret: true }),
  QUEUE_PREFIX: Joi.string().pattern(/^[A-Za-z0-9_:{}.-]{1,64}$/).default('vidgen').description('Prefix of every Redis key of this deployment (queue, records, indexes).'),
  REDIS_CLUSTER: bool().default(false).description('Redis is a cluster (or a cluster-mode proxy endpoint): QUEUE_PREFIX must then be a hash tag such as {vidgen}, so that Bull\'s multi-key scripts stay in one slot.'),
  JOB_RECORD_TTL_SECONDS: Joi.number().integer().min(60).max(365 * 24 * 3600).default(30 * 24 * 3600).description('How long job and progress records live after a job completes (failed and cancelled ones: JOB_RECORD_TTL_FAILED_SECONDS).'),
  JOB_RECORD_TTL_FAILED_SECONDS: Joi.number().integer().min(60).max(365 * 24 * 3600).default(7 * 24 * 3600).description('How long job and progress records live after a job fails or is cancelled (no video to describe, so shorter than JOB_RECORD_TTL_SECONDS by default); a retry within it brings the record back to the queue.'),
  METADATA_MAX_VERSIONS: Joi.number().integer().min(2).max(10000).default(100).description('Most metadata versions one video may have (version 1 included). An edit that would go beyond it is refused with 409 METADATA_VERSION_LIMIT; no version is ever deleted, so every stored version stays readable. Bounds the Redis memory a client can grow by editing.'),
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
  S3_ACCESS_KEY_ID: Joi.string().description('S3 access key; unset uses the SDK default credential chain.').meta({ secret: true }),
  S3_SECRET_ACCESS_KEY: Joi.string().description('S3 secret key.').meta({ secret: true }),
  S3_USE_DEFAULT_CREDENTIALS: bool().default(false).description('Use the SDK default credential chain (IAM role, IRSA, instance profile) instead of S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY; production needs either this or both keys.'),
  S3_FORCE_PATH_STYLE: bool().description('Path-style bucket addressing; defaults to true when S3_ENDPOINT is set.'),
  S3_REQUEST_CHECKSUM: Joi.string().valid('when_supported', 'when_required').description('SDK request checksums; when_required for stores that mishandle aws-chunked bodies (s3rver). Defaults to when_required with S3_ENDPOINT, when_supported on AWS.'),
  S3_MAX_ATTEMPTS: Joi.number().integer().min(1).max(10).default(3).description('SDK-level attempts per S3 request.'),
  S3_PART_SIZE_BYTES: Joi.number().integer().min(5 * 1024 * 1024).max(5 * 1024 * 1024 * 1024).default(8 * 1024 * 1024).description('Multipart upload part size (at least 5 MiB).'),
  S3_QUEUE_SIZE: Joi.number().integer().min(1).max(32).default(4).description('Parts uploaded in parallel.'),
  SIGNED_URL_TTL_SECONDS: Joi.number().integer().min(60).max(7 * 24 * 3600).default(3600).description('Lifetime of signed download URLs (at most 7 days).'),
  S3_RETRY_ATTEMPTS: Joi.number().integer().min(1).max(20).default(5).description('Attempts of our retry policy per upload, on top of S3_MAX_ATTEMPTS: retryable failures (5xx, throttling, timeouts, connection resets) back off exponentially with jitter; permanent ones (access denied, no bucket, bad credentials) fail at once.'),
  S3_RETRY_BASE_DELAY_MS: Joi.number().integer().min(1).max(60000).default(500).description('Base delay of the upload retry backoff (doubles per retry, full jitter).'),
  S3_RETRY_MAX_DELAY_MS: Joi.number().integer().min(1).max(300000).default(20000).description('Longest single wait between two upload attempts.'),
  S3_BATCH_CONCURRENCY: Joi.number().integer().min(1).max(64).default(8).description('Small files (thumbnails, HLS segments) uploaded at once.'),
  S3_VERIFY_ETAG: bool().default(true).description('After each upload, compare an MD5-shaped ETag with the file\'s MD5 (besides the size check); uploads then skip the SDK\'s SHA-256 payload signing, the MD5 check covering the same bytes. Turn off for stores whose ETags are not MD5s (SSE-KMS).'),
  CDN_BASE_URL: Joi.string().uri({ scheme: ['http', 'https'] }).description('Public base URL of the bucket behind a CDN: output URLs become <CDN_BASE_URL>/<key>, unsigned. Unset: presigned URLs.'),
  HLS_CORS_ORIGINS: Joi.string().default('*').description('Comma-separated origins allowed to fetch the HLS playlists served by the API (browser players such as hls.js); * allows any.'),
  THUMBNAIL_COUNT: Joi.number().integer().min(1).max(50).default(5).description('Evenly spaced JPEG thumbnails per video (besides the poster and the sprite sheet).'),
  THUMBNAIL_WIDTH: Joi.number().integer().min(64).max(1920).default(320).description('Width of the thumbnails in pixels (height keeps the aspect ratio).'),
  HLS_SEGMENT_SECONDS: Joi.number().integer().min(2).max(30).default(6).description('Target HLS segment duration; segments are cut at keyframes.'),

  WORKER_HTTP_HOST: Joi.string().hostname().default('127.0.0.1').description('Address of the worker health server.'),
  WORKER_HTTP_PORT: port().default(3001).description('Port of the worker health server.'),
  WORKER_CONCURRENCY: Joi.number().integer().min(1).max(64).default(1).description('Jobs one worker process runs at once.'),
  WORKER_SHUTDOWN_GRACE_MS: Joi.number().integer().min(0).max(3600000).default(30000).description('How long a worker lets its current job finish on SIGTERM; after it the job is aborted and returned to the queue (WORKER_SHUTDOWN, retried by another worker) and the worker exits.'),
  JOB_TIMEOUT_MS: Joi.number().integer().min(10000).max(6 * 3600 * 1000).default(15 * 60 * 1000).description('Time limit of one attempt of a job on a worker; a longer attempt is aborted (its ffmpeg runs killed) and fails as JOB_TIMEOUT, which is retryable while attempts are left.'),
  SCRATCH_DIR: Joi.string().description('Where workers keep per-job scratch dirs (default: <os tmpdir>/vidgen).'),
  ARTIFACT_CACHE_DIR: Joi.string().description('Where a worker keeps the rendered outputs of a job whose upload failed, so that the job\'s next attempt on this machine uploads them without rendering again (default: <os tmpdir>/vidgen-artifacts).'),
  ARTIFACT_CACHE_TTL_MS: Joi.number().integer().min(1000).max(7 * 24 * 3600 * 1000).default(3600000).description('How long cached outputs of a failed upload are kept; older entries are removed by the worker\'s janitor and the next attempt renders again.'),
  FFMPEG_PATH: Joi.string().description('ffmpeg binary; default: the one shipped by @ffmpeg-installer/ffmpeg.'),
  FFPROBE_PATH: Joi.string().description('ffprobe binary; default: the one shipped by ffprobe-static.'),
  SCRATCH_STALE_AFTER_MS: Joi.number().integer().min(1000).max(7 * 24 * 3600 * 1000).default(3600000).description('At worker start, scratch dirs untouched for longer than this are left over from a dead worker and are removed (keep it above the longest job).'),
  QUEUE_FAIR_SHARE: bool().default(true).description('Owner-fair scheduling: a free worker takes the waiting job of the owner with the least recent service (weighted by video seconds, as Bull priorities), not the oldest job overall, so one owner\'s backlog cannot starve the others. false: plain FIFO (benchmarks compare the two).'),
  RATE_LIMIT_SUBMISSIONS: Joi.number().integer().min(0).max(1000000).default(60).description('Job submissions one owner may make per RATE_LIMIT_WINDOW_SECONDS, counted in Redis across API replicas (429 rate_limited with Retry-After beyond it); 0 disables the limit.'),
  RATE_LIMIT_WINDOW_SECONDS: Joi.number().integer().min(1).max(86400).default(60).description('Length of the sliding window of RATE_LIMIT_SUBMISSIONS.'),
  WEBHOOK_SECRETS: Joi.string().allow('').default('').description('Comma-separated owner:secret pairs; webhook deliveries of an owner\'s jobs are signed with its secret (X-Vidgen-Signature). An owner without a secret gets unsigned deliveries.').meta({ secret: true }),
  WEBHOOK_ALLOW_PRIVATE: bool().default(false).description('Allow callback URLs that resolve to loopback, private or link-local addresses (local development only: it opens the workers to SSRF).'),
  WEBHOOK_TIMEOUT_MS: Joi.number().integer().min(100).max(60000).default(10000).description('How long one webhook delivery attempt waits for the receiver\'s answer.'),
  WEBHOOK_MAX_ATTEMPTS: Joi.number().integer().min(1).max(50).default(10).description('Attempts per webhook event (a 2xx answer ends them).'),
  WEBHOOK_BACKOFF_MS: Joi.number().integer().min(10).max(3600000).default(5000).description('Base delay of the exponential backoff between webhook delivery attempts.'),
  WEBHOOK_RETRY_WINDOW_MS: Joi.number().integer().min(1000).max(7 * 24 * 3600 * 1000).default(24 * 3600 * 1000).description('Webhook deliveries stop once this long has passed since the event, whatever attempts are left.'),
  MAX_VIDEO_SECONDS: Joi.number().integer().min(10).max(600).default(600).description('Longest video a job may render, speech included: at submit the planned length with the estimated narration (about 15 characters a second) must fit (400 beyond), and a worker whose real speech would pass it fails the job with VIDEO_TOO_LONG before encoding. At most 600 (the planner\'s ceiling).'),
  NARRATION_ENABLED: bool().default(false).description('Workers of this deployment have espeak-ng: accept narration and require TTS for readiness.'),

  DATA_DIR: Joi.string().default('.data').description('Embedded-mode data (S3 objects, Redis) for `pnpm start`.'),
  EMBEDDED_S3_PORT: port().default(4569).description('Port of the embedded S3-compatible store under `pnpm start`.'),
})
  .unknown(true)
  .required();
