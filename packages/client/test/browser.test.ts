import path from 'node:path';
import { PassThrough } from 'node:stream';
import { build } from 'esbuild';
import { startApi, type RunningApi } from '@vidgen/api';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startWorkerProcess, type TestEnv, type WorkerHandle } from '@vidgen/testing';
// The browser tier's harness (Debian's chromium through playwright-core; nothing downloaded).
import { launchChromium, serveStatic, type Chromium, type StaticSite } from '@vidgen/testing/browser';

const KEY = 'client-browser-key-aaaa';

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle;
let site: StaticSite;
let browser: Chromium;
let bundle: string;

beforeAll(async () => {
  // The main entry bundled for a browser as a bundler resolves it (the `browser` condition: the TypeScript source).
  // A Node-only import in it fails this build.
  const out = await build({ entryPoints: ['@vidgen/client'], absWorkingDir: path.join(__dirname, '..'), bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  bundle = out.outputFiles[0]!.text;
  site = await serveStatic({ '/': { type: 'text/html', body: '<!doctype html><title>client</title>' }, '/client.js': { type: 'text/javascript', body: bundle } });
  env = await createTestEnv({ API_KEYS: `owner1:${KEY}`, NARRATION_ENABLED: 'false', CORS_ORIGINS: site.origin });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', stream: new PassThrough() }));
  worker = await startWorkerProcess(env.env);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await api?.stop();
  await worker?.stop();
  await env?.cleanup();
  await site?.close();
});

it('runs in Chromium from a page on another origin: submit, follow the event stream to the end, wait, errors as VidgenApiError', async () => {
  expect(bundle).not.toMatch(/from\s*["']node:/);
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${site.origin}/`);
  const script = `(async () => {
    const { createClient, VidgenApiError } = await import('/client.js');
    const vg = createClient({ baseUrl: ${JSON.stringify(`http://127.0.0.1:${api.port}`)}, apiKey: ${JSON.stringify(KEY)} });
    const { job_id } = await vg.submit({ configuration: { topic: 'In a browser', quality: 'low', scenes: [{ text: 'x', duration_seconds: 1 }] } }, { idempotencyKey: 'browser-1' });
    const events = [];
    for await (const e of vg.follow(job_id)) if (e.event === 'message') events.push(e.data.status + ' ' + e.data.progress.percentage);
    const job = await vg.waitForCompletion(job_id, { timeoutMs: 60000 });
    let error = null;
    try { await vg.get('00000000-0000-4000-8000-000000000000'); } catch (e) { error = { isApiError: e instanceof VidgenApiError, status: e.status, code: e.code, correlationId: typeof e.correlationId }; }
    return { events, status: job.status, videoUrl: typeof job.result?.video_url, error };
  })()`;
  const result = (await page.evaluate(script)) as { events: string[]; status: string; videoUrl: string; error: unknown };
  expect(result.events.length).toBeGreaterThan(0);
  expect(result.events[result.events.length - 1]).toBe('completed 100');
  expect(result).toMatchObject({ status: 'completed', videoUrl: 'string', error: { isApiError: true, status: 404, code: 'JOB_NOT_FOUND', correlationId: 'string' } });
  expect(errors).toEqual([]);
  await page.close();
});
