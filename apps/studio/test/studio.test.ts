import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { startApi, type RunningApi } from '@vidgen/api';
import { loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { createTestEnv, startWorkerProcess, type TestEnv, type WorkerHandle } from '@vidgen/testing';
import { launchChromium, type Chromium } from '@vidgen/testing/browser';
import type { Page } from 'playwright-core';

/**
 * The studio in a real Chromium, served by a real API, with a real worker
 * rendering: sign in, a validation error next to its field, a plan preview,
 * a queued job cancelled from the list, a job created from the form followed
 * to 100%, played through hls.js, its title edited (and a conflicting edit
 * shown). Every view is scanned with axe-core and photographed; the page's
 * CSP stays on (axe goes in through the DevTools protocol, which CSP does not
 * govern) and no violation of it may be reported.
 *
 * Screenshots go to reports/studio/ (test artifacts); UPDATE_SCREENSHOTS=1
 * writes them to docs/screenshots/ too, where the README links them.
 */

const KEY = 'studio-owner-key-aaaa';
const ROOT = path.resolve(__dirname, '../../..');
const ARTIFACTS = path.join(ROOT, 'reports', 'studio');
const DOCS = path.join(ROOT, 'docs', 'screenshots');

let env: TestEnv;
let api: RunningApi;
let worker: WorkerHandle | undefined;
let browser: Chromium;
let page: Page;
let origin: string;
let axeSource: string;
const figures: Record<string, unknown> = {};
const cspViolations: string[] = [];
const started = Date.now();

async function shoot(name: string): Promise<void> {
  const png = await page.screenshot({ fullPage: true });
  await writeFile(path.join(ARTIFACTS, `studio-${name}.png`), png);
  if (process.env.UPDATE_SCREENSHOTS === '1') await writeFile(path.join(DOCS, `studio-${name}.png`), png);
}

/** axe-core's serious and critical findings on the page as it is now (none expected). */
async function axeProblems(): Promise<Array<{ id: string; impact: string; nodes: string[] }>> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const violations = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as Array<{
    id: string;
    impact: string;
    nodes: Array<{ target: string[] }>;
  }>;
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

async function fillForm(topic: string, scenes: Array<{ layout: string; duration?: string; values: Record<string, string> }>): Promise<void> {
  await page.goto(`${origin}/`);
  await page.getByLabel('Topic').fill(topic);
  await page.getByLabel('Quality').selectOption('low');
  for (const [i, scene] of scenes.entries()) {
    await page.getByRole('button', { name: 'Add scene' }).click();
    const base = `#f-configuration-scenes-${i}`;
    await page.locator(`${base}-layout`).selectOption(scene.layout);
    if (scene.duration) await page.locator(`${base}-duration_seconds`).fill(scene.duration);
    for (const [field, value] of Object.entries(scene.values)) await page.locator(`${base}-${field}`).fill(value);
  }
}

/**
 * Polls a page expression until it is truthy. (page.waitForFunction evaluates a string with eval inside
 * the page, which the studio's CSP refuses; page.evaluate goes through the DevTools protocol.)
 */
async function until(expression: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const jobIdOf = (url: string) => /\/jobs\/([0-9a-f-]{36})$/.exec(new URL(url).pathname)?.[1];

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  await mkdir(DOCS, { recursive: true });
  axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Narration allowed (not default): the played job is narrated, so its HLS master has a subtitles rendition too.
  env = await createTestEnv({ API_KEYS: `studio:${KEY}`, SIGNING_SECRET: 's'.repeat(40), HLS_SEGMENT_SECONDS: '2', THUMBNAIL_COUNT: '2', NARRATION_ENABLED: 'true' });
  api = await startApi(loadConfig({ ...env.env, API_PORT: '0' }), createLogger({ service: 'api', format: 'json', level: 'error', stream: new PassThrough() }));
  origin = `http://127.0.0.1:${api.port}`;
  browser = await launchChromium();
  // Every CSP violation any document reports (an init script and a binding are not subject to the CSP).
  await browser.context.exposeFunction('reportCspViolation', (line: string) => void cspViolations.push(line));
  await browser.context.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => window.reportCspViolation([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber, e.sample].join(' ')));",
  });
  page = await browser.context.newPage();
  await page.setViewportSize({ width: 1200, height: 900 });
}, 60000);

afterAll(async () => {
  figures.totalSeconds = (Date.now() - started) / 1000;
  process.stdout.write(`studio test figures: ${JSON.stringify(figures)}\n`);
  await browser?.close();
  await api?.stop();
  await worker?.stop();
  await env?.cleanup();
});

describe('the studio', () => {
  it('is served at / under a strict CSP, the API keeping its own', async () => {
    const res = await fetch(`${origin}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`media-src 'self' blob: ${new URL(env.env.S3_ENDPOINT!).origin}`);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${origin}${asset}`);
    expect(js.headers.get('cache-control')).toContain('immutable');
    // The SPA fallback covers the studio's routes only: the API's unknown paths stay JSON 404s under the API's CSP.
    const deep = await fetch(`${origin}/jobs/00000000-0000-4000-8000-000000000000`);
    expect(deep.status).toBe(200);
    const apiMissing = await fetch(`${origin}/api/v1/nothing-here`);
    expect(apiMissing.status).toBe(404);
    expect(apiMissing.headers.get('content-type')).toContain('application/json');
    expect(apiMissing.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(apiMissing.headers.get('content-security-policy')).not.toContain('script-src');
  });

  it('signs in with an API key kept in sessionStorage, never in the URL', async () => {
    await page.goto(`${origin}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await axeProblems()).toEqual([]);
    await shoot('signin');
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This key was not accepted.').waitFor();
    expect(await page.getByLabel('API key').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'New video' }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("vidgen.apiKey")')).toBe(KEY);
    expect(page.url()).not.toContain(KEY);
  });

  it('shows the API’s validation error next to the field it names, and previews the plan', async () => {
    await fillForm('Tides', [
      { layout: 'title', values: { title: 'Why tides happen' } },
      { layout: 'bullets', duration: '999', values: { items: 'The moon pulls\nThe earth turns' } },
    ]);
    await page.getByRole('button', { name: 'Create video' }).click();
    const error = page.locator('[data-field="configuration.scenes.1.duration_seconds"]');
    await error.waitFor();
    expect(await error.textContent()).toMatch(/^Must be less than or equal to \d+/);
    const input = page.locator('#f-configuration-scenes-1-duration_seconds');
    expect(await input.getAttribute('aria-invalid')).toBe('true');
    expect(await input.getAttribute('aria-describedby')).toContain('f-configuration-scenes-1-duration_seconds-error');
    // Focus moved to the refused input.
    expect(await page.evaluate('document.activeElement?.id')).toBe('f-configuration-scenes-1-duration_seconds');
    expect(await axeProblems()).toEqual([]);
    await shoot('create-error');

    await input.fill('3');
    await page.getByRole('button', { name: 'Move up: scene 2' }).click();
    expect(await page.locator('#f-configuration-scenes-0-layout').inputValue()).toBe('bullets');
    await page.getByRole('button', { name: 'Preview plan' }).click();
    await page.getByRole('heading', { name: 'Plan preview' }).waitFor();
    const rows = await page.locator('table tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('bullets');
    expect(rows[0]).toContain('3.0 s');
    expect(await axeProblems()).toEqual([]);
    await shoot('create');
  });

  it('cancels a queued job from the list, retries and deletes it, each after a confirmation', async () => {
    // No worker runs yet: the job stays queued.
    await fillForm('A job to cancel', [{ layout: 'text', duration: '2', values: { text: 'Never rendered.' } }]);
    await page.getByRole('button', { name: 'Create video' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const jobId = jobIdOf(page.url())!;
    await page.locator('[data-testid="status"]', { hasText: 'queued' }).waitFor();
    await page.locator('[data-testid="queue-position"]', { hasText: 'next' }).waitFor();
    expect(await axeProblems()).toEqual([]);
    await shoot('queued');

    await page.getByRole('link', { name: 'Videos' }).click();
    const row = page.locator(`li[data-job="${jobId}"]`);
    await row.waitFor();
    expect(await axeProblems()).toEqual([]);
    await row.getByRole('button', { name: /^Cancel/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this job?' });
    await dialog.waitFor();
    expect(await axeProblems()).toEqual([]);
    await shoot('confirm');
    // By keyboard: the safe button has the focus and Escape closes the dialog without acting.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Keep it');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await row.locator('.badge').textContent()).toBe('queued');
    await row.getByRole('button', { name: /^Cancel/ }).click();
    await dialog.waitFor();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await row.locator('.badge', { hasText: 'cancelled' }).waitFor();
    const res = await fetch(`${origin}/api/v1/videos/jobs/${jobId}`, { headers: { Authorization: `Bearer ${KEY}` } });
    expect(((await res.json()) as { status: string }).status).toBe('cancelled');
    // Retry puts it back in the queue (a new submission), after its confirmation.
    await row.getByRole('button', { name: /^Retry/ }).click();
    await page.getByRole('dialog', { name: 'Retry this job?' }).getByRole('button', { name: 'Retry job' }).click();
    await row.locator('.badge', { hasText: 'queued' }).waitFor();
    await row.getByRole('button', { name: /^Cancel/ }).click();
    await page.getByRole('dialog', { name: 'Cancel this job?' }).getByRole('button', { name: 'Cancel job' }).click();
    await row.locator('.badge', { hasText: 'cancelled' }).waitFor();
    // The status filter asks the API for that status only.
    await page.getByLabel('Status').selectOption('completed');
    await page.getByText('No videos with status completed yet.').waitFor();
    await page.getByLabel('Status').selectOption('cancelled');
    await row.waitFor();
    // Delete, after its own confirmation: the job is gone from the list and from the API.
    await row.getByRole('button', { name: /^Delete/ }).click();
    await page.getByRole('dialog', { name: 'Delete this job?' }).getByRole('button', { name: 'Delete job' }).click();
    await page.getByText('No videos with status cancelled yet.').waitFor();
    expect((await fetch(`${origin}/api/v1/videos/jobs/${jobId}`, { headers: { Authorization: `Bearer ${KEY}` } })).status).toBe(404);
  });

  it('pages through the list', async () => {
    // Eleven queued jobs (still no worker): a page holds ten.
    const submit = (i: number) =>
      fetch(`${origin}/api/v1/videos/generate`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ configuration: { topic: `Paged job ${i}`, quality: 'low', scenes: [{ text: 'x', duration_seconds: 1 }] } }),
      }).then(async (r) => ((await r.json()) as { job_id: string }).job_id);
    const ids: string[] = [];
    for (let i = 1; i <= 11; i++) ids.push(await submit(i));
    try {
      await page.getByRole('link', { name: 'Videos' }).click();
      await page.getByLabel('Status').selectOption('queued');
      const topics = () => page.locator('li.job-row .job-main a').allTextContents();
      await page.getByRole('link', { name: 'Paged job 11' }).waitFor();
      const first = await topics();
      expect(first).toHaveLength(10);
      expect(await axeProblems()).toEqual([]);
      await shoot('list');
      expect(await page.getByRole('button', { name: 'Previous page' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Next page' }).click();
      await until('document.querySelectorAll("li.job-row").length === 1', 10000);
      const second = await topics();
      expect(second).toHaveLength(1);
      // Every job exactly once across the two pages.
      expect([...first, ...second].sort()).toEqual(Array.from({ length: 11 }, (_, i) => `Paged job ${i + 1}`).sort());
      expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: 'Previous page' }).click();
      await until('document.querySelectorAll("li.job-row").length === 10', 10000);
      expect(await topics()).toEqual(first);
    } finally {
      // Gone before a worker starts: nothing to render.
      for (const id of ids) await fetch(`${origin}/api/v1/videos/jobs/${id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${KEY}` } });
    }
  });

  let jobId: string;
  it('creates a job from the form and follows its progress to 100%', async () => {
    worker = await startWorkerProcess(env.env);
    await fillForm('Why tides happen', [
      { layout: 'title', duration: '2', values: { title: 'Tides' } },
      { layout: 'bullets', duration: '2', values: { items: 'The moon pulls the sea\nThe earth turns under it' } },
    ]);
    await page.getByLabel('Narration').check();
    const renderStarted = Date.now();
    await page.getByRole('button', { name: 'Create video' }).click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    jobId = jobIdOf(page.url())!;
    // Every percentage the page shows, as it changes.
    await page.evaluate(`(() => {
      window.seen = [];
      const record = () => {
        const t = document.querySelector('[data-testid="percentage"]')?.textContent;
        if (t && window.seen.at(-1) !== t) window.seen.push(t);
      };
      record();
      new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
    await page.locator('[data-testid="status"]', { hasText: 'processing' }).waitFor({ timeout: 60000 });
    expect(await axeProblems()).toEqual([]);
    await shoot('progress');
    await page.locator('[data-testid="percentage"]', { hasText: '100%' }).waitFor({ timeout: 120000 });
    await page.locator('[data-testid="status"]', { hasText: 'completed' }).waitFor();
    figures.renderSeconds = (Date.now() - renderStarted) / 1000;
    const seen = ((await page.evaluate('window.seen')) as string[]).map((s) => Number(s.replace('%', '')));
    figures.percentagesSeen = seen;
    expect(seen.at(-1)).toBe(100);
    expect(seen.some((p) => p > 0 && p < 100)).toBe(true); // live updates, not just the end
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  }, 150000);

  it('plays the video through hls.js with subtitles, and previews frames while scrubbing', async () => {
    const video = page.locator('video[data-engine="hls.js"]');
    await video.waitFor();
    expect(await video.getAttribute('poster')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    await page.evaluate(`(() => {
      const v = document.querySelector('video');
      v.muted = true;
      return v.play();
    })()`);
    await until('document.querySelector("video").currentTime > 1', 30000);
    const playback = (await page.evaluate(`(() => {
      const v = document.querySelector('video');
      v.pause();
      const track = v.textTracks[0];
      const showing = [...v.textTracks].filter((t) => t.mode === 'showing').length;
      return { src: v.currentSrc, currentTime: v.currentTime, cues: track?.cues?.length ?? 0, showing };
    })()`)) as { src: string; currentTime: number; cues: number; showing: number };
    expect(playback.src.startsWith('blob:')).toBe(true);
    expect(playback.currentTime).toBeGreaterThan(1);
    expect(playback.cues).toBeGreaterThan(0);
    // One subtitles track on screen: the sidecar WebVTT, not hls.js's copy of the HLS subtitles rendition besides it.
    expect(playback.showing).toBe(1);
    // Hovering the scrub bar shows the storyboard's sprite tile for that time.
    const scrub = page.locator('.scrub');
    await scrub.hover({ position: { x: 40, y: 8 } });
    const preview = page.locator('[data-testid="scrub-preview"]');
    await preview.waitFor();
    expect(await page.evaluate('getComputedStyle(document.querySelector(\'[data-testid="scrub-preview"]\')).backgroundImage')).toMatch(/^url\("http:\/\/127\.0\.0\.1:\d+\//);
    await until('[...document.images].every((i) => i.complete)', 10000);
    expect(await axeProblems()).toEqual([]);
    await shoot('player');
    expect(await page.getByRole('link', { name: 'Download MP4' }).getAttribute('href')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  }, 60000);

  it('edits the title with If-Match; a save over someone else’s edit shows what they changed', async () => {
    const title = page.getByLabel('Title', { exact: true });
    await title.waitFor();
    await title.fill('Tides, explained');
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.getByText('Saved (version 2).').waitFor();
    const meta = await fetch(`${origin}/api/v1/videos/jobs/${jobId}/metadata`, { headers: { Authorization: `Bearer ${KEY}` } });
    expect(((await meta.json()) as { title: string }).title).toBe('Tides, explained');

    // Someone else edits the tags; this page still holds version 2's ETag.
    const other = await fetch(`${origin}/api/v1/videos/jobs/${jobId}/metadata`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json', 'If-Match': meta.headers.get('etag')! },
      body: JSON.stringify({ tags: ['ocean', 'moon'] }),
    });
    expect(other.status).toBe(200);
    await page.getByLabel('Description').fill('How the moon moves the sea.');
    await page.getByRole('button', { name: 'Save details' }).click();
    const conflict = page.locator('.conflict');
    await conflict.waitFor();
    expect(await conflict.locator('tbody tr').allTextContents()).toEqual(['tags(empty)ocean, moon']);
    // What was typed is kept, the field this page did not touch takes their value, and saving again
    // (now over version 3) keeps both edits.
    expect(await page.getByLabel('Description').inputValue()).toBe('How the moon moves the sea.');
    expect(await page.getByLabel('Tags').inputValue()).toBe('ocean, moon');
    expect(await axeProblems()).toEqual([]);
    await shoot('conflict');
    await page.getByRole('button', { name: 'Save details' }).click();
    await page.getByText('Saved (version 4).').waitFor();
    const final = (await (await fetch(`${origin}/api/v1/videos/jobs/${jobId}/metadata`, { headers: { Authorization: `Bearer ${KEY}` } })).json()) as Record<string, unknown>;
    expect(final).toMatchObject({ version: 4, title: 'Tides, explained', description: 'How the moon moves the sea.', tags: ['ocean', 'moon'] });
  });

  it('follows a job again after a retry from its own page, to the player, without a reload', async () => {
    const headers = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };
    const body = JSON.stringify({ configuration: { topic: 'Retried here', quality: 'low', scenes: [{ text: 'Again.', duration_seconds: 1 }] } });
    const { job_id: id } = (await (await fetch(`${origin}/api/v1/videos/generate`, { method: 'POST', headers, body })).json()) as { job_id: string };
    expect((await fetch(`${origin}/api/v1/videos/jobs/${id}/cancel`, { method: 'POST', headers })).status).toBe(202);
    await page.goto(`${origin}/jobs/${id}`);
    await page.getByRole('button', { name: /^Retry/ }).click();
    await page.getByRole('dialog', { name: 'Retry this job?' }).getByRole('button', { name: 'Retry job' }).click();
    // The page had read a finished job; the retry must start following it again, or it stays "queued" for good.
    await page.locator('[data-testid="status"]', { hasText: 'completed' }).waitFor({ timeout: 60000 });
    await page.locator('video').waitFor();
  }, 90000);

  it('needs no key when the API runs in open development mode', async () => {
    const open = await startApi(loadConfig({ ...env.env, API_KEYS: '', API_PORT: '0' }), createLogger({ service: 'api', format: 'json', level: 'error', stream: new PassThrough() }));
    try {
      const other = await browser.context.newPage();
      await other.goto(`http://127.0.0.1:${open.port}/`);
      await other.getByRole('heading', { name: 'New video' }).waitFor();
      expect(await other.getByText('Open mode').count()).toBe(1);
      expect(await other.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);
      await other.close();
    } finally {
      await open.stop();
    }
  });

  it('is readable on a phone-sized viewport, and the CSP was never violated', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [name, url] of [
      ['phone-job', `/jobs/${jobId}`],
      ['phone-create', '/'],
    ] as const) {
      await page.goto(`${origin}${url}`);
      await page.locator('h1').first().waitFor();
      if (name === 'phone-job') await page.locator('video').waitFor();
      // Nothing wider than the screen (no sideways scrolling).
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      expect(await axeProblems()).toEqual([]);
      await shoot(name);
    }
    expect(cspViolations).toEqual([]);
    // Signing out forgets the key.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("vidgen.apiKey")')).toBeNull();
  });
});
