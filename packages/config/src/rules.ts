import os from 'node:os';
import { placeholderSecretProblems } from './secrets-policy';

/** The validated environment (after defaults and conversion), as the rules read it. */
export type ValidatedEnv = Record<string, unknown>;

/** Access key id of s3rver, the embedded development store: never a production credential. */
export const EMBEDDED_S3_ACCESS_KEY = 'S3RVER';

/** `{name}` or `{name}:rest`: one hash tag that puts every key of the deployment in one cluster slot. */
export const HASH_TAG_PREFIX = /^\{[^{}]+\}(:[^{}]*)?$/;

/** Cross-setting rules added for deployment: problems refuse the start, warnings are logged. */
export function deploymentProblems(v: ValidatedEnv): string[] {
  const problems: string[] = [];
  const prefix = typeof v.QUEUE_PREFIX === 'string' ? v.QUEUE_PREFIX : '';
  if (v.REDIS_CLUSTER === true && !HASH_TAG_PREFIX.test(prefix)) {
    problems.push(`QUEUE_PREFIX: with REDIS_CLUSTER=true it must be a hash tag such as {vidgen}, so Bull's multi-key scripts stay in one slot; got "${prefix}"`);
  }
  const hasKeys = Boolean(v.S3_ACCESS_KEY_ID) && Boolean(v.S3_SECRET_ACCESS_KEY);
  if (v.S3_USE_DEFAULT_CREDENTIALS === true && (v.S3_ACCESS_KEY_ID || v.S3_SECRET_ACCESS_KEY)) {
    problems.push('S3_USE_DEFAULT_CREDENTIALS: true means the SDK default credential chain; unset S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or set it to false');
  }
  if (v.NARRATION_DEFAULT === true && v.NARRATION_ENABLED !== true) {
    problems.push('NARRATION_DEFAULT: true requires NARRATION_ENABLED=true (a default the deployment refuses would fail every job that does not say)');
  }
  if (v.NODE_ENV === 'production') {
    if (!hasKeys && v.S3_USE_DEFAULT_CREDENTIALS !== true) {
      problems.push('S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY: required when NODE_ENV=production, or set S3_USE_DEFAULT_CREDENTIALS=true to use an IAM role');
    }
    if (!v.PUBLIC_BASE_URL) {
      problems.push('PUBLIC_BASE_URL: required when NODE_ENV=production (every link in a job and in webhook bodies is absolute under it, e.g. https://api.example.com)');
    }
    if (v.S3_ACCESS_KEY_ID === EMBEDDED_S3_ACCESS_KEY) {
      problems.push(`S3_ACCESS_KEY_ID: "${EMBEDDED_S3_ACCESS_KEY}" is the embedded development store's credential, not allowed when NODE_ENV=production`);
    }
    problems.push(...placeholderSecretProblems(v));
  }
  return problems;
}

export function deploymentWarnings(v: ValidatedEnv, cores: number = os.availableParallelism()): string[] {
  const warnings: string[] = [];
  if (v.NODE_ENV === 'production' && v.WEBHOOK_ALLOW_PRIVATE === true) {
    warnings.push('WEBHOOK_ALLOW_PRIVATE=true in production: callback URLs may reach private addresses of this network (SSRF); meant for local development');
  }
  if (v.HLS_CORS_ORIGINS !== undefined) {
    warnings.push(
      v.CORS_ORIGINS === undefined
        ? 'HLS_CORS_ORIGINS is deprecated: rename it to CORS_ORIGINS, which now covers every browser-facing route (read as CORS_ORIGINS meanwhile)'
        : 'HLS_CORS_ORIGINS is deprecated and ignored because CORS_ORIGINS is set: remove it',
    );
  }
  if (typeof v.WORKER_CONCURRENCY === 'number' && v.WORKER_CONCURRENCY > cores) {
    warnings.push(`WORKER_CONCURRENCY=${v.WORKER_CONCURRENCY} exceeds the ${cores} CPU core${cores === 1 ? '' : 's'} of this machine: ffmpeg jobs will compete for CPU and run slower (and may stall their Bull locks)`);
  }
  if (v.PLANNER === 'llm' && typeof v.LLM_TIMEOUT_MS === 'number' && typeof v.JOB_TIMEOUT_MS === 'number' && 7 * v.LLM_TIMEOUT_MS > v.JOB_TIMEOUT_MS / 2) {
    warnings.push(`LLM_TIMEOUT_MS=${v.LLM_TIMEOUT_MS}: a planning can send 7 requests (retry, repair and shortening rounds), over half of JOB_TIMEOUT_MS=${v.JOB_TIMEOUT_MS}; a slow endpoint leaves little time to render`);
  }
  return warnings;
}
