import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, secretSettingNames, settingNames, syncTemplate, TEMPLATE_LINE, TEMPLATE_PATHS } from '@vidgen/config';

const ROOT = path.resolve(__dirname, '../../..');
function parseTemplate(file: string): { listed: string[]; env: Record<string, string> } {
  const listed: string[] = [];
  const env: Record<string, string> = {};
  for (const line of readFileSync(path.join(ROOT, file), 'utf8').split('\n')) {
    const m = TEMPLATE_LINE.exec(line);
    if (!m) continue;
    listed.push(m[2]!);
    if (!m[1]) env[m[2]!] = m[3]!;
  }
  return { listed, env };
}

/** Every CHANGE_ME token replaced by fresh random hex, as an operator filling in the template would. */
function fillPlaceholders(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/change[_-]?me\w*/gi, () => randomBytes(16).toString('hex'))]));
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe.each([...TEMPLATE_PATHS])('%s', (file) => {
  it('lists exactly the settings of the schema, once each', () => {
    const { listed } = parseTemplate(file);
    const schema = settingNames();
    const missing = schema.filter((n) => !listed.includes(n));
    const unknown = listed.filter((n) => !schema.includes(n));
    const twice = listed.filter((n, i) => listed.indexOf(n) !== i);
    if (missing.length || unknown.length || twice.length) {
      throw new Error(`${file} must list every setting of packages/config/src/schema.ts exactly once (as NAME=value, or #NAME= when unset); \`pnpm config:docs\` updates it. Missing: ${missing.join(', ') || '-'}; not in the schema: ${unknown.join(', ') || '-'}; twice: ${twice.join(', ') || '-'}`);
    }
  });

  it('is a valid configuration once its placeholders are filled in', () => {
    expect(() => loadConfig(fillPlaceholders(parseTemplate(file).env))).not.toThrow();
  });
});

describe('the templates', () => {
  it('syncTemplate adds new settings with their default, drops unknown ones and keeps values', () => {
    const synced = syncTemplate('# header\n\nAPI_PORT=8080\nNOT_A_SETTING=1\n');
    expect(synced.startsWith('# header\n\n')).toBe(true);
    expect(synced).toMatch(/^API_PORT=8080$/m);
    expect(synced).toMatch(/^LOG_LEVEL=info$/m);
    expect(synced).toMatch(/^#S3_ENDPOINT=$/m);
    expect(synced).not.toContain('NOT_A_SETTING');
    expect(syncTemplate(synced)).toBe(synced);
  });


  it('production.env.template is production, and its placeholder secrets are refused as written, each named', () => {
    const { env } = parseTemplate('config/production.env.template');
    const problems = problemsOf(env);
    for (const name of ['API_KEYS', 'SIGNING_SECRET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'REDIS_URL']) {
      expect(env[name]).toContain('CHANGE_ME');
      expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${name}: .*placeholder`)));
    }
    expect(problems.filter((p) => !/placeholder/.test(p))).toEqual([]);
    // No problem line repeats a secret value (owners are not secret, keys are).
    const values = secretSettingNames().flatMap((name) => (env[name] ? env[name]!.split(',').map((entry) => entry.slice(entry.indexOf(':') + 1)) : []));
    for (const value of values.filter((v) => v.length >= 16)) for (const p of problems) expect(p).not.toContain(value);
    expect(values).toContain('CHANGE_ME_KEY_24_PLUS_CHARS_openssl_rand_hex_16');
    expect(loadConfig(fillPlaceholders(env)).env).toBe('production');
  });
});

describe('pnpm config:check', () => {
  const check = path.join(ROOT, 'packages/config/dist/cli/check.js');

  it('prints the effective configuration with secrets redacted', () => {
    const env = { PATH: process.env.PATH ?? '', SIGNING_SECRET: 'x'.repeat(40), REDIS_URL: 'redis://:hunter2pass@redis.example:6379', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', S3_SECRET_ACCESS_KEY: 'topsecretvalue' };
    const r = spawnSync(process.execPath, [check], { env, encoding: 'utf8' });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    for (const name of settingNames()) expect(r.stdout).toMatch(new RegExp(`^${name}=`, 'm'));
    expect(r.stdout).toContain('REDIS_URL=redis://:***@redis.example:6379');
    expect(r.stdout).toContain('SIGNING_SECRET=<redacted>');
    expect(r.stdout).toContain('API_PORT=3000  # default');
    for (const secret of ['x'.repeat(40), 'hunter2pass', 'AKIAEXAMPLE', 'topsecretvalue']) expect(r.stdout).not.toContain(secret);
    expect(r.stdout).toContain('configuration OK');
  });

  it('lists placeholder secrets with the other problems', () => {
    const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'production', API_PORT: 'abc', API_KEYS: 'ops:CHANGE_ME_KEY_24_PLUS_CHARS_openssl_rand_hex_16,ci:short-key-123', SIGNING_SECRET: 'change-me-'.repeat(4), S3_USE_DEFAULT_CREDENTIALS: 'true' };
    const r = spawnSync(process.execPath, [check], { env, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('API_PORT');
    expect(r.stderr).toMatch(/API_KEYS: the entry of owner "ops" is a template placeholder/);
    expect(r.stderr).toMatch(/API_KEYS: the key of owner "ci" has 13 characters; production needs at least 24/);
    expect(r.stderr).toMatch(/SIGNING_SECRET: is a template placeholder/);
    expect(r.stderr).not.toContain('short-key-123');
  });

  it('lists every problem and exits 1', () => {
    const r = spawnSync(process.execPath, [check], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', API_PORT: 'abc' }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    for (const name of ['API_PORT', 'API_KEYS', 'SIGNING_SECRET', 'S3_ACCESS_KEY_ID']) expect(r.stderr).toContain(name);
  });
});
