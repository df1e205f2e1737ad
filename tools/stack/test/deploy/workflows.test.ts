import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '../../../..');

type Obj = Record<string, any>; // parsed YAML and package.json
const readJson = (file: string): Obj => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as Obj;

/** Workspace package name → its folder, from the package.json files at run time. */
function workspace(): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const group of ['apps', 'packages', 'tools']) {
    for (const dir of readdirSync(path.join(ROOT, group))) {
      try {
        dirs.set(readJson(`${group}/${dir}/package.json`).name as string, `${group}/${dir}`);
      } catch {
        /* not a package */
      }
    }
  }
  return dirs;
}

/** The folders whose code ships in an app's image: the app and its workspace `dependencies`, transitively. */
function shippedFolders(app: string): string[] {
  const dirs = workspace();
  const seen = new Set<string>([app]);
  const visit = (name: string) => {
    for (const [dep, version] of Object.entries((readJson(`${dirs.get(name)}/package.json`).dependencies ?? {}) as Record<string, string>)) {
      if (version.startsWith('workspace:') && !seen.has(dep)) {
        seen.add(dep);
        visit(dep);
      }
    }
  };
  visit(app);
  return [...seen].map((name) => dirs.get(name)!).sort();
}

describe.each([
  ['api', '@vidgen/api'],
  ['worker', '@vidgen/worker'],
])('.github/workflows/deploy-%s.yml', (app, pkg) => {
  const workflow = parse(readFileSync(path.join(ROOT, `.github/workflows/deploy-${app}.yml`), 'utf8')) as Obj;
  const steps = workflow.jobs['build-and-deploy'].steps as Obj[];

  it('runs when the app or any workspace package it ships changes (path filters from package.json)', () => {
    const paths = workflow.on.push.paths as string[];
    const missing = shippedFolders(pkg).filter((dir) => !paths.includes(`${dir}/**`));
    if (missing.length) throw new Error(`deploy-${app}.yml misses path filters for ${missing.map((d) => `'${d}/**'`).join(', ')}`);
    expect(paths).toEqual(expect.arrayContaining(['pnpm-lock.yaml', `.github/workflows/deploy-${app}.yml`]));
  });

  it('builds the app Dockerfile to ghcr.io, rolls it out, then runs the smoke test', () => {
    const build = steps.find((s) => String(s.uses).startsWith('docker/build-push-action'));
    expect(build?.with).toMatchObject({ file: `apps/${app}/Dockerfile`, push: true });
    expect(workflow.env.IMAGE).toContain('ghcr.io/');
    const names = steps.map((s) => s.name ?? s.uses);
    expect(names.indexOf('Build and push')).toBeLessThan(names.indexOf('Roll out'));
    expect(names.indexOf('Roll out')).toBeLessThan(names.indexOf('Smoke test'));
    const rollout = steps.find((s) => s.name === 'Roll out')!.run as string;
    expect(rollout).toContain(`set image deployment/vidgen-${app} ${app}=`);
    expect(steps.find((s) => s.name === 'Smoke test')!.run).toMatch(/^pnpm smoke --url /);
  });

  it('names a Deployment and container that exist in infra/k8s', () => {
    const manifest = parse(readFileSync(path.join(ROOT, `infra/k8s/${app}-deployment.yaml`), 'utf8')) as Obj;
    expect(manifest.metadata.name).toBe(`vidgen-${app}`);
    expect(manifest.spec.template.spec.containers[0].name).toBe(app);
  });
});

describe('the app images', () => {
  it.each(['api', 'worker'])('apps/%s: every package its code imports is a production dependency (pnpm deploy --prod)', (app) => {
    const pj = readJson(`apps/${app}/package.json`);
    const deps = new Set(Object.keys(pj.dependencies ?? {}));
    const srcDir = path.join(ROOT, `apps/${app}/src`);
    const files = readdirSync(srcDir, { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
    const missing = new Set<string>();
    for (const file of files) {
      for (const m of readFileSync(path.join(srcDir, file), 'utf8').matchAll(/from '([^'.][^']*)'/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!deps.has(name)) missing.add(`${name} (${file})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('CI lints and tests, then runs the quick fault and soak suites', () => {
    const ci = parse(readFileSync(path.join(ROOT, '.github/workflows/ci.yml'), 'utf8')) as Obj;
    const runs = (ci.jobs.test.steps as Obj[]).map((s) => s.run).filter(Boolean);
    expect(runs).toEqual(expect.arrayContaining(['pnpm lint', 'pnpm test', 'pnpm chaos --quick', 'pnpm soak --quick']));
    expect(runs.indexOf('pnpm chaos --quick')).toBeGreaterThan(runs.indexOf('pnpm test'));
    expect(readFileSync(path.join(ROOT, '.ci/run'), 'utf8')).toMatch(/for suite in chaos soak load; do[\s\S]*pnpm "\$suite" --quick/);
    expect(readJson('package.json').scripts.lint).toContain('tsconfig.lint.json');
  });
});
