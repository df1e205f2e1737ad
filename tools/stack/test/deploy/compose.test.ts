import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describeSettings, loadConfig, settingNames } from '@vidgen/config';

const ROOT = path.resolve(__dirname, '../../../..');

type Obj = Record<string, any>; // parsed YAML

/** `docker-compose config` resolves anchors, paths and defaults the way the engine would. .ci/run installs it. */
function composeConfig(...args: string[]) {
  return spawnSync('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), 'config', ...args], { cwd: ROOT, encoding: 'utf8' });
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
    const r = composeConfig('-q');
    expect(r.error).toBeUndefined();
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
  });

  const config = parse(composeConfig().stdout) as Obj;
  const services = config.services as Record<string, Obj>;

  it('runs Redis, MinIO, the API, two workers, Prometheus and Grafana', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'create-bucket', 'grafana', 'minio', 'prometheus', 'redis', 'worker']);
    expect(services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']));
    expect(services.worker!.deploy.replicas).toBe(2);
  });

  it('gives the apps a valid production configuration with setting names from the schema', () => {
    for (const app of ['api', 'worker']) {
      const env = services[app]!.environment as Record<string, string>;
      expect(Object.keys(env).filter((k) => !settingNames().includes(k))).toEqual([]);
      expect(loadConfig({ ...env, NODE_ENV: 'production' }).env).toBe('production'); // NODE_ENV comes from the image
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
    const sources = Object.values(services).flatMap((service) => bindMounts(service).map(([source]) => source));
    expect(sources.length).toBeGreaterThanOrEqual(6);
    for (const source of sources) expect({ source, exists: existsSync(source) }).toEqual({ source, exists: true });
  });

  it('Prometheus scrapes the API with the same ADMIN_API_KEY the API has', () => {
    const key = readFileSync(path.join(ROOT, 'infra/compose/admin-api-key'), 'utf8');
    expect((services.api!.environment as Record<string, string>).ADMIN_API_KEY).toBe(key);
    const prometheus = readFileSync(path.join(ROOT, 'infra/prometheus/prometheus.yml'), 'utf8');
    expect(prometheus).toContain('/etc/prometheus/secrets/vidgen-admin-api-key');
  });
});
