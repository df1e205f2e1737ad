import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, settingNames, syncTemplate, TEMPLATE_LINE, TEMPLATE_PATHS } from '@vidgen/config';

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

  it('is a valid configuration as written', () => {
    expect(() => loadConfig(parseTemplate(file).env)).not.toThrow();
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


  it('production.env.template is production and keeps secrets as placeholders', () => {
    const { env } = parseTemplate('config/production.env.template');
    expect(loadConfig(env).env).toBe('production');
    for (const name of ['API_KEYS', 'SIGNING_SECRET', 'S3_SECRET_ACCESS_KEY', 'REDIS_URL']) expect(env[name]).toContain('CHANGE_ME');
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

  it('lists every problem and exits 1', () => {
    const r = spawnSync(process.execPath, [check], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', API_PORT: 'abc' }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    for (const name of ['API_PORT', 'API_KEYS', 'SIGNING_SECRET', 'S3_ACCESS_KEY_ID']) expect(r.stderr).toContain(name);
  });
});
