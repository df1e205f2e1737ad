import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, describeSettings, loadConfig, settingNames } from '@vidgen/config';
import { COMPOSE_ADMIN_KEY_FILE, writeComposeSecrets } from '../../src/compose/secrets';

const ROOT = path.resolve(__dirname, '../../../..');

type Obj = Record<string, any>; // parsed YAML

const scratch = mkdtempSync(path.join(os.tmpdir(), 'vidgen-compose-'));
const EMPTY_ENV_FILE = path.join(scratch, 'empty.env');
writeFileSync(EMPTY_ENV_FILE, '');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * `docker-compose config` resolves anchors, paths, variables and defaults the way the engine would
 * (.ci/run installs it). It reads the given env file instead of the checkout's .env, and no
 * variables of this shell, so the test sees the checked-in values wherever it runs.
 */
function composeConfig(envFile: string, ...args: string[]) {
  return spawnSync('docker-compose', ['--env-file', envFile, '-f', path.join(ROOT, 'docker-compose.yml'), 'config', ...args], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
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

/** Bind mounts as [absolute host path, container path]: docker-compose 1.x prints "source:target:mode", 2.x objects. */
function bindMounts(service: Obj): Array<[string, string]> {
  return ((service.volumes ?? []) as Array<string | Obj>).flatMap((v): Array<[string, string]> => {
    if (typeof v === 'string') {
      const [source = '', target = ''] = v.split(':');
      return source.startsWith('/') ? [[source, target]] : [];
    }
    return v.type === 'bind' ? [[String(v.source), String(v.target)]] : [];
  });
}

describe('docker-compose.yml', () => {
  it('is valid for docker-compose (`docker-compose config -q` exits 0)', () => {
    const r = composeConfig(EMPTY_ENV_FILE, '-q');
    expect(r.error).toBeUndefined();
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });

  const config = parse(composeConfig(EMPTY_ENV_FILE).stdout) as Obj;
  const services = config.services as Record<string, Obj>;

  it('runs Redis, MinIO, the API, two workers, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'create-bucket', 'grafana', 'minio', 'prometheus', 'redis', 'worker']);
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(services.worker!.deploy.replicas).toBe(2);
  });

  it('ships no usable production secret: NODE_ENV=production refuses every checked-in value, naming each', () => {
    for (const app of ['api', 'worker']) {
      const env = services[app]!.environment as Record<string, string>;
      expect(Object.keys(env).filter((k) => !settingNames().includes(k))).toEqual([]);
      const problems = problemsOf({ ...env, NODE_ENV: 'production' }); // NODE_ENV comes from the image
      for (const name of ['API_KEYS', 'SIGNING_SECRET', 'ADMIN_API_KEY', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY']) {
        expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${name}: .*placeholder`)));
      }
      // Only the secrets are wrong: the rest is a production configuration.
      expect(problems.filter((p) => !/placeholder/.test(p))).toEqual([]);
    }
  });

  it('`pnpm compose:secrets` makes it a valid production configuration: random secrets in .env, the admin key for Prometheus', async () => {
    const dir = mkdtempSync(path.join(scratch, 'project-'));
    const { envFile, secrets } = await writeComposeSecrets({ dir });
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const generated = parse(composeConfig(envFile).stdout) as Obj;
    for (const app of ['api', 'worker']) {
      const env = generated.services[app].environment as Record<string, string>;
      expect(env).toMatchObject({ API_KEYS: secrets.API_KEYS, SIGNING_SECRET: secrets.SIGNING_SECRET, S3_SECRET_ACCESS_KEY: secrets.S3_SECRET_ACCESS_KEY });
      expect(loadConfig({ ...env, NODE_ENV: 'production' }).env).toBe('production');
    }
    // MinIO and the bucket job get the same credentials as the apps.
    expect(generated.services.minio.environment).toEqual({ MINIO_ROOT_USER: secrets.S3_ACCESS_KEY_ID, MINIO_ROOT_PASSWORD: secrets.S3_SECRET_ACCESS_KEY, MINIO_API_CORS_ALLOW_ORIGIN: '*' });
    expect(generated.services['create-bucket'].environment).toEqual({ MINIO_ROOT_USER: secrets.S3_ACCESS_KEY_ID, MINIO_ROOT_PASSWORD: secrets.S3_SECRET_ACCESS_KEY });
    expect(generated.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD).toBe(secrets.GRAFANA_ADMIN_PASSWORD);
    expect(readFileSync(path.join(dir, COMPOSE_ADMIN_KEY_FILE), 'utf8')).toBe(secrets.ADMIN_API_KEY);
    // Two runs give different secrets, and a second run keeps the first .env unless forced.
    await expect(writeComposeSecrets({ dir })).rejects.toThrow(/exists/);
    const again = await writeComposeSecrets({ dir, force: true });
    expect(again.secrets.SIGNING_SECRET).not.toBe(secrets.SIGNING_SECRET);
  });

  it('keeps the generated files out of git', () => {
    for (const file of ['.env', COMPOSE_ADMIN_KEY_FILE]) {
      const r = spawnSync('git', ['check-ignore', '-q', file], { cwd: ROOT });
      expect({ file, ignored: r.status === 0 }).toEqual({ file, ignored: true });
    }
  });

  it('lets a worker finish its job on stop (stop_grace_period > WORKER_SHUTDOWN_GRACE_MS)', () => {
    const env = services.worker!.environment as Record<string, string>;
    const graceMs = Number(env.WORKER_SHUTDOWN_GRACE_MS ?? describeSettings().find((s) => s.name === 'WORKER_SHUTDOWN_GRACE_MS')?.default);
    const m = /^(\d+)s$/.exec(String(services.worker!.stop_grace_period));
    expect(Number(m?.[1]) * 1000).toBeGreaterThan(graceMs);
  });

  it('mounts the Prometheus rules and the Grafana provisioning from infra/, and every mounted file exists', () => {
    const mounts = (name: string) => bindMounts(services[name]!).map(([source, target]) => [path.relative(ROOT, source), target]);
    expect(mounts('prometheus')).toEqual(
      expect.arrayContaining([
        ['infra/prometheus/prometheus.yml', '/etc/prometheus/prometheus.yml'],
        ['infra/prometheus/alerts.yml', '/etc/prometheus/alerts.yml'],
      ]),
    );
    expect(mounts('grafana')).toEqual(
      expect.arrayContaining([
        ['infra/grafana/provisioning/datasources', '/etc/grafana/provisioning/datasources'],
        ['infra/grafana/provisioning/dashboards', '/etc/grafana/provisioning/dashboards'],
        ['infra/grafana/dashboards', '/var/lib/grafana/dashboards/vidgen'],
      ]),
    );
    // The admin key for Prometheus is generated by `pnpm compose:secrets` (checked above); every other source is in git.
    const sources = Object.values(services)
      .flatMap((service) => bindMounts(service).map(([source]) => source))
      .filter((source) => path.relative(ROOT, source) !== COMPOSE_ADMIN_KEY_FILE);
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const source of sources) expect({ source, exists: existsSync(source) }).toEqual({ source, exists: true });
  });

  it('Prometheus scrapes the API with the key file that `pnpm compose:secrets` writes', () => {
    expect(bindMounts(services.prometheus!).map(([source, target]) => [path.relative(ROOT, source), target])).toContainEqual([COMPOSE_ADMIN_KEY_FILE, '/etc/prometheus/secrets/vidgen-admin-api-key']);
    const prometheus = readFileSync(path.join(ROOT, 'infra/prometheus/prometheus.yml'), 'utf8');
    expect(prometheus).toContain('/etc/prometheus/secrets/vidgen-admin-api-key');
  });
});
