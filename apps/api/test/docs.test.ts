import { PassThrough } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, type TestEnv } from '@vidgen/testing';
import { startApi, type RunningApi } from '../src/app';
import { DOCS_CSP } from '../src/docs';
import { launchChromium, type Chromium } from '@vidgen/testing/browser';

let env: TestEnv;
let api: RunningApi;
let browser: Chromium;

beforeAll(async () => {
  env = await createTestEnv({ API_KEYS: 'owner1:docs-owner-key-aaaa', NARRATION_ENABLED: 'false' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await env?.cleanup();
});

describe('/docs', () => {
  it('serves the page, its script and swagger-ui-dist files without a key, under a CSP of its own origin only', async () => {
    const page = await request(api.server).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(DOCS_CSP);
    expect(page.text).not.toMatch(/<script>|<script [^>]*>[^<]/);
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const asset of ['/docs/docs.js', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css']) {
      const res = await request(api.server).get(asset);
      expect({ asset, status: res.status }).toEqual({ asset, status: 200 });
    }
    expect((await request(api.server).get('/docs/assets/index.html')).status).toBe(404);
    expect((await request(api.server).get('/docs/assets/..%2Fpackage.json')).status).toBe(404);
    expect((await request(api.server).get('/docs/assets/constructor')).status).toBe(404);
    // The API's own answers keep their JSON-only policy.
    expect((await request(api.server).get('/api/v1/openapi.json')).headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
  });

  it('renders every operation in Chromium with no console errors, CSP violations or third-party requests', async () => {
    const origin = `http://127.0.0.1:${api.port}`;
    const doc = (await request(api.server).get('/api/v1/openapi.json')).body as { paths: Record<string, object>; webhooks: Record<string, object> };
    // Paths and webhooks alike: Swagger UI lists a webhook under its name.
    const operations = [...Object.entries(doc.paths), ...Object.entries(doc.webhooks)].flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));

    const page = await browser.context.newPage();
    const problems: string[] = [];
    const foreign: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => void (!r.url().startsWith(`${origin}/`) && !r.url().startsWith('data:') && foreign.push(r.url())));
    await page.addInitScript({ content: "document.addEventListener('securitypolicyviolation', (e) => (window.violations ??= []).push(e.violatedDirective + ' ' + e.blockedURI));" });
    await page.goto(`${origin}/docs`);
    await page.waitForSelector('.opblock', { timeout: 30000 });
    const shown = await page.$$eval('.opblock', (blocks) =>
      blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? ''}`),
    );
    expect(shown.sort()).toEqual(operations.sort());
    // Open one operation: its parameters and responses render too.
    await page.click('#operations-default-generateVideo .opblock-summary-control');
    await page.waitForSelector('#operations-default-generateVideo .responses-table');
    expect(await page.textContent('#operations-default-generateVideo')).toContain('Idempotency-Key');
    const violations = (await page.evaluate('window.violations ?? []')) as string[];
    expect({ problems, violations, foreign }).toEqual({ problems: [], violations: [], foreign: [] });
    await page.close();
  });
});
