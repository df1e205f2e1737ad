import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describeSettings, loadConfig, settingNames } from '@vidgen/config';

const ROOT = path.resolve(__dirname, '../../../..');
const K8S = path.join(ROOT, 'infra/k8s');

type Obj = Record<string, any>; // parsed YAML

function load(file: string): Obj[] {
  return parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8')).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Obj;
  });
}

const manifests = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const all = manifests.flatMap((file) => load(file).map((obj) => ({ file, obj })));
const find = (kind: string, name: string): Obj => {
  const hit = all.find(({ obj }) => obj.kind === kind && obj.metadata?.name === name);
  if (!hit) throw new Error(`no ${kind} ${name} in infra/k8s`);
  return hit.obj;
};
const configMap = find('ConfigMap', 'vidgen-config').data as Record<string, string>;
const secret = find('Secret', 'vidgen-secrets').stringData as Record<string, string>;
const setting = (name: string): string => configMap[name] ?? String(describeSettings().find((s) => s.name === name)?.default);

describe('infra/k8s', () => {
  it('every manifest parses and names its kind; kustomization lists them all but the secret template', () => {
    for (const { file, obj } of all) expect({ file, ok: Boolean(obj.apiVersion && obj.kind && obj.metadata?.name) }).toEqual({ file, ok: true });
    const [kustomization] = load('kustomization.yaml');
    expect([...kustomization!.resources].sort()).toEqual(manifests.filter((f) => f !== 'secret.example.yaml').sort());
    expect(kustomization!.images.map((i: Obj) => i.name).sort()).toEqual(['vidgen-api', 'vidgen-worker']);
  });

  it('ConfigMap and Secret use the setting names of packages/config, secrets only in the Secret', () => {
    const names = settingNames();
    const secrets = new Set(describeSettings().filter((s) => s.secret).map((s) => s.name));
    expect(Object.keys(configMap).filter((k) => !names.includes(k))).toEqual([]);
    expect(Object.keys(secret).filter((k) => !names.includes(k))).toEqual([]);
    expect(Object.keys(configMap).filter((k) => secrets.has(k))).toEqual([]);
    expect(Object.keys(secret).filter((k) => !secrets.has(k))).toEqual([]);
    // As written, production refuses every placeholder; filled in, together they are a valid production configuration.
    expect(() => loadConfig({ ...configMap, ...secret })).toThrow(/API_KEYS: .*placeholder[\s\S]*SIGNING_SECRET: .*placeholder/);
    const filled = Object.fromEntries(Object.entries(secret).map(([k, v]) => [k, v.replace(/change[_-]?me\w*/gi, () => randomBytes(16).toString('hex'))]));
    const config = loadConfig({ ...configMap, ...filled });
    expect(config.env).toBe('production');
    expect([config.api.host, config.worker.host]).toEqual(['0.0.0.0', '0.0.0.0']);
  });

  it.each([
    ['vidgen-api', 'API_PORT'],
    ['vidgen-worker', 'WORKER_HTTP_PORT'],
  ])('%s: probes on /health and /health/ready, resources, config from the ConfigMap and Secret', (name, portSetting) => {
    const deployment = find('Deployment', name);
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': name });
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(pod.containers).toHaveLength(1);
    const [c] = pod.containers;
    expect(c.image).toBe(name);
    expect(c.ports).toEqual([{ name: 'http', containerPort: Number(setting(portSetting)) }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: 'http' });
    for (const kind of ['requests', 'limits']) expect(Object.keys(c.resources[kind]).sort()).toEqual(expect.arrayContaining(['cpu', 'memory']));
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'vidgen-config' } }, { secretRef: { name: 'vidgen-secrets' } }]);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });

  it('grace periods cover the graceful shutdowns (worker: WORKER_SHUTDOWN_GRACE_MS + margin)', () => {
    const worker = find('Deployment', 'vidgen-worker').spec.template.spec;
    expect(worker.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(Number(setting('WORKER_SHUTDOWN_GRACE_MS')) + 15000);
    const api = find('Deployment', 'vidgen-api').spec.template.spec;
    expect(api.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(Number(setting('SHUTDOWN_GRACE_MS')) + 5000 + 5000);
  });

  it('Services and PodDisruptionBudgets select the Deployments', () => {
    for (const name of ['vidgen-api', 'vidgen-worker']) {
      const labels = find('Deployment', name).spec.template.metadata.labels;
      const service = find('Service', name);
      expect(labels).toMatchObject(service.spec.selector);
      expect(service.spec.ports.map((p: Obj) => p.targetPort)).toEqual(['http']);
      expect(labels).toMatchObject(find('PodDisruptionBudget', name).spec.selector.matchLabels);
    }
  });

  it('the API has an HPA; KEDA scales the workers on the Bull waiting list of QUEUE_PREFIX', () => {
    expect(find('HorizontalPodAutoscaler', 'vidgen-api').spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'vidgen-api' });
    const scaled = find('ScaledObject', 'vidgen-worker');
    expect(scaled.spec.scaleTargetRef).toEqual({ name: 'vidgen-worker' });
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe(setting('REDIS_CLUSTER') === 'true' ? 'redis-cluster' : 'redis');
    expect(trigger.metadata.listName).toBe(`${setting('QUEUE_PREFIX')}:video-generation:wait`);
    expect(Number(trigger.metadata.listLength)).toBeGreaterThan(0);
    const auth = find('TriggerAuthentication', trigger.authenticationRef.name);
    for (const ref of auth.spec.secretTargetRef) expect(Object.keys(find('Secret', ref.name).stringData)).toContain(ref.key);
  });
});
