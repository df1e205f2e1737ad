import path from 'node:path';
import { freePort, startEmbeddedS3, type EmbeddedS3 } from '@vidgen/embedded';
import { API_MAIN, createTestEnv, spawnNode, startWorkerProcess, waitFor, type ChildHandle, type TestEnv, type WorkerHandle } from '@vidgen/testing';

/** Sample values of one metric family from a Prometheus text scrape, keyed by the label set. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) out.set(m[2] ?? '', Number(m[3]));
  }
  return out;
}
const sum = (text: string, name: string, labelFilter = '') => [...samples(text, name)].filter(([l]) => l.includes(labelFilter)).reduce((a, [, v]) => a + v, 0);

async function scrape(worker: WorkerHandle): Promise<string> {
  const res = await fetch(`${worker.healthUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

describe('one job across the API and worker processes', () => {
  let env: TestEnv;
  let api: ChildHandle;
  let apiUrl: string;
  let worker: WorkerHandle;

  beforeAll(async () => {
    env = await createTestEnv({ LOG_LEVEL: 'debug' });
    const port = await freePort();
    apiUrl = `http://127.0.0.1:${port}`;
    api = spawnNode(API_MAIN, { ...env.env, API_PORT: String(port) });
    await waitFor(
      async () => {
        if (api.child.exitCode !== null) throw new Error(`api exited early:\n${api.output()}`);
        return fetch(`${apiUrl}/health`).then((r) => r.status, () => 0);
      },
      (s) => s === 200,
      { timeoutMs: 20000, what: 'api to listen' },
    );
    worker = await startWorkerProcess(env.env);
  });

  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await env?.cleanup();
  });

  it('carries the correlation id into both processes, moves the job counters by exactly one, and never logs a signature', async () => {
    const before = await scrape(worker);
    const correlationId = `obs-corr-${Date.now()}`;
    const submitted = await fetch(`${apiUrl}/api/v1/videos/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify({ configuration: { topic: 'Observed', quality: 'low', subtitles: false, scenes: [{ text: 'x', duration_seconds: 1 }] } }),
    });
    expect(submitted.status).toBe(202);
    const { job_id: jobId } = (await submitted.json()) as { job_id: string };

    const job = await waitFor(
      async () => (await (await fetch(`${apiUrl}/api/v1/videos/jobs/${jobId}`)).json()) as { status: string; progress: { stages: Array<{ name: string; status: string }> }; result: { video_url: string } | null },
      (b) => b.status === 'completed' || b.status === 'failed',
      { timeoutMs: 60000, what: 'job end' },
    );
    expect(job.status).toBe('completed');
    // The instrumentation wrapper observes after the handler returns: wait for its counter, then compare.
    const after = await waitFor(() => scrape(worker), (t) => sum(t, 'vidgen_worker_jobs_completed_total') > sum(before, 'vidgen_worker_jobs_completed_total'), { what: 'completed counter' });

    expect(sum(after, 'vidgen_worker_jobs_completed_total') - sum(before, 'vidgen_worker_jobs_completed_total')).toBe(1);
    expect(sum(after, 'vidgen_worker_jobs_failed_total') - sum(before, 'vidgen_worker_jobs_failed_total')).toBe(0);
    expect(sum(after, 'vidgen_worker_job_duration_seconds_count', 'outcome="completed"') - sum(before, 'vidgen_worker_job_duration_seconds_count', 'outcome="completed"')).toBe(1);
    expect(sum(after, 'vidgen_worker_render_speed_ratio_count') - sum(before, 'vidgen_worker_render_speed_ratio_count')).toBe(1);
    expect(sum(after, 'vidgen_worker_s3_upload_bytes_total')).toBeGreaterThan(sum(before, 'vidgen_worker_s3_upload_bytes_total'));
    const ran = job.progress.stages.filter((s) => s.status === 'done').map((s) => s.name);
    expect(ran).toEqual(expect.arrayContaining(['planning', 'rendering_scenes', 'combining', 'uploading']));
    for (const stage of job.progress.stages) {
      const label = `stage="${stage.name}"`;
      const delta = sum(after, 'vidgen_worker_stage_duration_seconds_count', label) - sum(before, 'vidgen_worker_stage_duration_seconds_count', label);
      expect([stage.name, delta]).toEqual([stage.name, stage.status === 'done' ? 1 : 0]);
    }
    expect(sum(after, 'vidgen_worker_active_jobs')).toBe(0);

    const apiLines = api.logLines().filter((l) => l.correlation_id === correlationId);
    expect(apiLines.map((l) => l.message)).toEqual(expect.arrayContaining(['job submitted', 'http request']));
    expect(apiLines.every((l) => l.service === 'api' && typeof l.version === 'string')).toBe(true);
    // Log lines travel through a pipe and can arrive after the job reads completed: wait for the worker's last one.
    await waitFor(async () => worker.logLines().some((l) => l.job_id === jobId && l.message === 'job attempt finished'), Boolean, { timeoutMs: 5000, what: 'the worker\'s "job attempt finished" line' });
    const workerLines = worker.logLines().filter((l) => l.job_id === jobId);
    expect(workerLines.length).toBeGreaterThan(0);
    expect(workerLines.every((l) => l.correlation_id === correlationId && l.service === 'worker')).toBe(true);
    expect(workerLines.map((l) => l.message)).toEqual(expect.arrayContaining(['job started', 'stage finished', 'job attempt finished', 'uploaded object']));
    const total = workerLines.find((l) => l.message === 'job attempt finished')!;
    expect(total).toMatchObject({ outcome: 'completed', attempt: 1, owner: 'anonymous' });
    expect(Object.keys(total.stages as object)).toEqual(expect.arrayContaining(ran));
    expect(workerLines.filter((l) => l.message === 'stage finished').map((l) => l.stage)).toEqual(expect.arrayContaining(ran));

    // The API logged the real signed URL it handed out (debug level), with the signature redacted.
    const signature = /X-Amz-Signature=([0-9a-f]+)/.exec(job.result!.video_url)![1]!;
    const issued = api.logLines().find((l) => l.message === 'signed download url issued' && l.job_id === jobId);
    expect(String(issued?.url)).toContain('X-Amz-Signature=[redacted]');
    expect(api.output()).not.toContain(signature);
    expect(worker.output()).not.toContain(signature);
  });
});

describe('worker readiness follows its S3 server', () => {
  let env: TestEnv;
  let worker: WorkerHandle;
  let restarted: EmbeddedS3 | undefined;

  beforeAll(async () => {
    env = await createTestEnv();
    worker = await startWorkerProcess(env.env);
  });
  afterAll(async () => {
    await worker?.stop();
    // env.cleanup closes the server it started (already stopped here), not the restarted one.
    await restarted?.close();
    await env?.cleanup();
  });

  it('turns 503 naming the storage check while S3 is down, and recovers when it is back', async () => {
    const ready = async () => {
      const res = await fetch(`${worker.healthUrl}/health/ready`);
      return { status: res.status, body: (await res.json()) as { failing: string[]; checks: Record<string, { status: string; latency_ms: number }> } };
    };
    const up = await ready();
    expect(up.status).toBe(200);
    expect(Object.keys(up.body.checks).sort()).toEqual(['ffmpeg', 'ffprobe', 'redis', 'storage', 'tts']);
    expect(typeof up.body.checks.storage!.latency_ms).toBe('number');

    const { port } = env.s3;
    await env.s3.close();
    const down = await waitFor(ready, (r) => r.status === 503, { timeoutMs: 20000, what: 'readiness to fail' });
    expect(down.body.failing).toContain('storage');
    expect(down.body.checks.storage!.status).toBe('error');
    expect(down.body.checks.redis!.status).toBe('ok');
    // Liveness is not readiness: the process stays alive.
    expect((await fetch(`${worker.healthUrl}/health`)).status).toBe(200);

    restarted = await startEmbeddedS3({ port, directory: path.join(env.scratchDir, 's3') });
    const back = await waitFor(ready, (r) => r.status === 200, { timeoutMs: 20000, what: 'readiness to recover' });
    expect(back.body.failing).toEqual([]);
  });
});
