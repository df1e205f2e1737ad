import { ConfigError, loadConfig } from '@vidgen/config';

describe('loadConfig', () => {
  it('runs on embedded defaults with no environment at all', () => {
    const c = loadConfig({});
    expect(c.api.port).toBe(3000);
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.redis.prefix).toBe('vidgen');
    expect(c.api.keys).toEqual([]);
    expect(c.s3.requestChecksum).toBe('when_supported');
    expect(Object.isFrozen(c) && Object.isFrozen(c.s3)).toBe(true);
  });

  it('parses API keys with several keys per owner', () => {
    const c = loadConfig({ API_KEYS: 'owner1:key1-aaaa,owner1:key1b-bbbb, owner2:key2-cccc' });
    expect(c.api.keys).toEqual([
      { owner: 'owner1', key: 'key1-aaaa' },
      { owner: 'owner1', key: 'key1b-bbbb' },
      { owner: 'owner2', key: 'key2-cccc' },
    ]);
  });

  it('refuses API_KEYS owners made only of dots (they would be a path segment of S3 keys)', () => {
    for (const owner of ['.', '..', '...']) {
      let error: ConfigError | undefined;
      try {
        loadConfig({ API_KEYS: `good:key-aaaa-1111,${owner}:key-bbbb-2222` });
      } catch (err) {
        error = err as ConfigError;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect(error!.problems).toEqual([expect.stringMatching(new RegExp(`^API_KEYS: the owner "${owner.replace(/\./g, '\\.')}" is only dots`))]);
      // The key itself is never echoed.
      expect(error!.message).not.toContain('key-bbbb-2222');
    }
    // Dots next to other characters stay valid owners.
    expect(loadConfig({ API_KEYS: 'team.a:key-aaaa-1111,.hidden:key-bbbb-2222,a..b:key-cccc-3333' }).api.keys.map((k) => k.owner)).toEqual(['team.a', '.hidden', 'a..b']);
  });

  it('defaults path-style and WHEN_REQUIRED checksums for a custom endpoint', () => {
    const c = loadConfig({ S3_ENDPOINT: 'http://127.0.0.1:4569' });
    expect(c.s3.forcePathStyle).toBe(true);
    expect(c.s3.requestChecksum).toBe('when_required');
  });

  it('reports every problem at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        API_PORT: 'abc',
        REDIS_URL: 'http://nope',
        S3_PART_SIZE_BYTES: '1024',
        SIGNED_URL_TTL_SECONDS: String(8 * 24 * 3600),
        API_KEYS: 'broken',
        S3_ACCESS_KEY_ID: 'only-one-half',
      });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join('\n');
    for (const name of ['API_PORT', 'REDIS_URL', 'S3_PART_SIZE_BYTES', 'SIGNED_URL_TTL_SECONDS', 'API_KEYS', 'S3_SECRET_ACCESS_KEY']) expect(text).toContain(name);
    expect(error!.problems.length).toBeGreaterThanOrEqual(6);
  });

  it('caps metadata versions per video: 100 by default, 2–10000', () => {
    expect(loadConfig({}).metadata.maxVersions).toBe(100);
    expect(loadConfig({ METADATA_MAX_VERSIONS: '2' }).metadata.maxVersions).toBe(2);
    expect(loadConfig({ METADATA_MAX_VERSIONS: '10000' }).metadata.maxVersions).toBe(10000);
    for (const bad of ['1', '10001', '2.5', 'many']) expect(() => loadConfig({ METADATA_MAX_VERSIONS: bad })).toThrow(/METADATA_MAX_VERSIONS/);
  });

  it('refuses production without API keys', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/API_KEYS: required when NODE_ENV=production/);
    expect(() => loadConfig({ NODE_ENV: 'production', API_KEYS: 'ops:0123456789abcdef01234567' })).toThrow(/SIGNING_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', API_KEYS: 'ops:0123456789abcdef01234567', SIGNING_SECRET: 's'.repeat(32) })).toThrow(/S3_ACCESS_KEY_ID\/S3_SECRET_ACCESS_KEY: required/);
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS: 'ops:0123456789abcdef01234567', SIGNING_SECRET: 's'.repeat(32), S3_USE_DEFAULT_CREDENTIALS: 'true', PUBLIC_BASE_URL: 'https://api.example.com' }).env).toBe('production');
  });
});
