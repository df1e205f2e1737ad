import { ConfigError, defaultPublicBaseUrl, loadConfig, loadConfigWithWarnings } from '@vidgen/config';

const PROD = { NODE_ENV: 'production', API_KEYS: 'ops:0123456789abcdef01234567', SIGNING_SECRET: 's'.repeat(32), PUBLIC_BASE_URL: 'https://api.example.com' };

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('deployment rules', () => {
  it('requires a hash-tag QUEUE_PREFIX with REDIS_CLUSTER', () => {
    expect(problemsOf({ REDIS_CLUSTER: 'true' }).join('\n')).toMatch(/QUEUE_PREFIX: with REDIS_CLUSTER=true it must be a hash tag/);
    expect(problemsOf({ REDIS_CLUSTER: 'true', QUEUE_PREFIX: 'vid{gen}' })).toHaveLength(1);
    expect(loadConfig({ REDIS_CLUSTER: 'true', QUEUE_PREFIX: '{vidgen}' }).redis).toMatchObject({ cluster: true, prefix: '{vidgen}' });
    expect(loadConfig({ REDIS_CLUSTER: 'true', QUEUE_PREFIX: '{vidgen}:eu' }).redis.cluster).toBe(true);
    expect(loadConfig({ QUEUE_PREFIX: 'plain' }).redis.cluster).toBe(false);
  });

  it('production needs real S3 credentials or an explicit IAM-role opt-in', () => {
    expect(problemsOf(PROD).join('\n')).toMatch(/S3_ACCESS_KEY_ID\/S3_SECRET_ACCESS_KEY: required when NODE_ENV=production/);
    expect(problemsOf({ ...PROD, S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' }).join('\n')).toMatch(/embedded development store/);
    expect(problemsOf({ ...PROD, S3_ACCESS_KEY_ID: 'AKIAREAL', S3_SECRET_ACCESS_KEY: 'secret' })).toEqual([]);
    const iam = loadConfig({ ...PROD, S3_USE_DEFAULT_CREDENTIALS: 'true' });
    expect(iam.s3.credentials).toBeUndefined();
  });

  it('production needs PUBLIC_BASE_URL; development derives it from the API address', () => {
    const { PUBLIC_BASE_URL: _unused, ...noBase } = PROD;
    expect(problemsOf({ ...noBase, S3_USE_DEFAULT_CREDENTIALS: 'true' })).toEqual([expect.stringMatching(/^PUBLIC_BASE_URL: required when NODE_ENV=production/)]);
    expect(loadConfig({ ...PROD, S3_USE_DEFAULT_CREDENTIALS: 'true', PUBLIC_BASE_URL: 'https://api.example.com/vidgen/' }).api.publicBaseUrl).toBe('https://api.example.com/vidgen');
    expect(problemsOf({ PUBLIC_BASE_URL: 'ftp://x' }).join('\n')).toMatch(/PUBLIC_BASE_URL/);
    expect(loadConfig({}).api.publicBaseUrl).toBeUndefined();
    expect(defaultPublicBaseUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
    expect(defaultPublicBaseUrl('0.0.0.0', 8080)).toBe('http://127.0.0.1:8080');
    expect(defaultPublicBaseUrl('::1', 3000)).toBe('http://[::1]:3000');
  });

  it('refuses default credentials together with explicit keys, in any mode', () => {
    expect(problemsOf({ S3_USE_DEFAULT_CREDENTIALS: 'true', S3_ACCESS_KEY_ID: 'a', S3_SECRET_ACCESS_KEY: 'b' }).join('\n')).toMatch(/S3_USE_DEFAULT_CREDENTIALS: true means the SDK default credential chain/);
  });

  it('NARRATION_DEFAULT requires NARRATION_ENABLED; TTS_ENGINE is one of the engines', () => {
    expect(problemsOf({ NARRATION_DEFAULT: 'true' }).join('\n')).toMatch(/NARRATION_DEFAULT: true requires NARRATION_ENABLED=true/);
    expect(loadConfig({ NARRATION_ENABLED: 'true', NARRATION_DEFAULT: 'true' })).toMatchObject({ narrationEnabled: true, narrationDefault: true, tts: { engine: undefined, sentenceTimeoutMs: 30000 } });
    expect(loadConfig({ NARRATION_ENABLED: 'true' }).narrationDefault).toBe(false);
    expect(loadConfig({ TTS_ENGINE: 'flite', TTS_SENTENCE_TIMEOUT_MS: '5000' }).tts).toEqual({ engine: 'flite', sentenceTimeoutMs: 5000 });
    expect(problemsOf({ TTS_ENGINE: 'sapi' }).join('\n')).toMatch(/TTS_ENGINE/);
  });

  it('reports the new problems together with the schema problems', () => {
    const problems = problemsOf({ NODE_ENV: 'production', REDIS_CLUSTER: 'true', API_PORT: 'x' });
    for (const name of ['API_PORT', 'API_KEYS', 'SIGNING_SECRET', 'QUEUE_PREFIX', 'S3_ACCESS_KEY_ID']) expect(problems.join('\n')).toContain(name);
  });

  it('warns, without refusing, when WORKER_CONCURRENCY exceeds the cores', () => {
    const { config, warnings } = loadConfigWithWarnings({ WORKER_CONCURRENCY: '64' });
    expect(config.worker.concurrency).toBe(64);
    expect(warnings).toEqual([expect.stringMatching(/^WORKER_CONCURRENCY=64 exceeds the \d+ CPU cores?/)]);
    expect(loadConfigWithWarnings({ WORKER_CONCURRENCY: '1' }).warnings).toEqual([]);
    expect(loadConfigWithWarnings({ ...PROD, S3_USE_DEFAULT_CREDENTIALS: 'true', WEBHOOK_ALLOW_PRIVATE: 'true' }).warnings).toEqual([expect.stringMatching(/^WEBHOOK_ALLOW_PRIVATE=true in production/)]);
  });
});

describe('placeholder secrets in production', () => {
  const REAL = { ...PROD, S3_USE_DEFAULT_CREDENTIALS: 'true' };

  it.each([
    ['SIGNING_SECRET', { SIGNING_SECRET: 'CHANGE_ME_32_OR_MORE_RANDOM_CHARACTERS_x' }],
    ['SIGNING_SECRET', { SIGNING_SECRET: 'local-compose-signing-secret-change-me-0123456789' }],
    ['ADMIN_API_KEY', { ADMIN_API_KEY: 'local-compose-admin-key-change-me' }],
    ['REDIS_URL', { REDIS_URL: 'rediss://:CHANGE_ME@redis.internal:6379' }],
    ['S3_SECRET_ACCESS_KEY', { S3_USE_DEFAULT_CREDENTIALS: 'false', S3_ACCESS_KEY_ID: 'AKIAREAL0123', S3_SECRET_ACCESS_KEY: 'vidgen-secret-key' }],
    ['API_KEYS', { API_KEYS: 'demo:demo-key-change-me' }],
    ['API_KEYS', { API_KEYS: 'ops:0123456789abcdef01234567,CHANGE_ME_OWNER:0123456789abcdef01234567' }],
    ['WEBHOOK_SECRETS', { WEBHOOK_SECRETS: 'ops:changeme-webhook-secret-16' }],
  ])('refuses a placeholder %s', (name, env) => {
    const problems = problemsOf({ ...REAL, ...env });
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name}: .*placeholder`))]);
  });

  it('refuses API keys under 24 characters, naming the owner and not the key', () => {
    const problems = problemsOf({ ...REAL, API_KEYS: 'ops:0123456789abcdef01234567,ci:0123456789abcdef0123456' });
    expect(problems).toEqual(['API_KEYS: the key of owner "ci" has 23 characters; production needs at least 24; generate one with `openssl rand -hex 32`']);
    expect(problemsOf({ ...REAL, API_KEYS: 'ci:0123456789abcdef01234567' })).toEqual([]);
  });

  it('leaves development and test alone: short keys and placeholders are local conveniences there', () => {
    expect(loadConfig({ API_KEYS: 'demo:demo-key-change-me', SIGNING_SECRET: 'change-me-'.repeat(4) }).api.keys).toEqual([{ owner: 'demo', key: 'demo-key-change-me' }]);
  });
});
