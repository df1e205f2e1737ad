import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { createClient, VidgenApiError, VidgenJobError, type GenerateRequest, type Job } from '@vidgen/client';
import { probe, resolveFfprobePath } from '@vidgen/ffmpeg';

export interface SmokeOptions {
  url: string;
  apiKey?: string;
  /** How long the job may take end to end. */
  timeoutMs?: number;
  pollMs?: number;
  say?: (line: string) => void;
}

export type StepOutcome = { step: string; status: 'ok' | 'skipped'; detail: string };

/** A failed step: the CLI names it and exits 1. */
export class SmokeFailure extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(`${step}: ${message}`);
    this.name = 'SmokeFailure';
  }
}

/** A small, real job: low quality, two short scenes. */
export const SMOKE_JOB: GenerateRequest = {
  configuration: {
    topic: 'Deployment smoke test',
    quality: 'low',
    scenes: [
      { title: 'Smoke test', text: 'This video checks a deployment end to end.', duration_seconds: 2 },
      { text: 'Rendered, uploaded, downloaded and probed.', duration_seconds: 2 },
    ],
  },
};
const EXPECTED = { width: 854, height: 480, fps: 15, minSeconds: 3 };

async function call(step: string, input: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(input, { ...init, signal: AbortSignal.timeout(30000) });
  } catch (err) {
    throw new SmokeFailure(step, `${input}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body };
}

/**
 * Runs the deployment validation against a live API, one step at a time:
 * health, submit, follow (its event stream), download, probe, metadata, through @vidgen/client. Throws SmokeFailure
 * naming the first step that fails.
 */
export async function runSmoke(options: SmokeOptions): Promise<StepOutcome[]> {
  const { apiKey, timeoutMs = 180000, pollMs = 500, say = () => undefined } = options;
  const base = options.url.replace(/\/+$/, '');
  const outcomes: StepOutcome[] = [];
  const done = (step: string, status: StepOutcome['status'], detail: string) => {
    outcomes.push({ step, status, detail });
    say(`${status === 'ok' ? 'ok  ' : 'skip'} ${step.padEnd(9)} ${detail}`);
  };

  for (const p of ['/health', '/health/ready']) {
    const r = await call('health', `${base}${p}`);
    if (r.status !== 200) throw new SmokeFailure('health', `GET ${p} answered ${r.status}: ${JSON.stringify(r.body)}`);
  }
  done('health', 'ok', 'GET /health and /health/ready answered 200');

  // 30 s per request, on top of the request's own signal (a caller's abort, waitForCompletion's timeout);
  // the event stream brings its own signal and no limit.
  const perRequest = (input: string | URL | Request) => AbortSignal.any([AbortSignal.timeout(30000), ...(input instanceof Request ? [input.signal] : [])]);
  const vg = createClient({ baseUrl: base, apiKey, fetch: (input, init) => fetch(input, init?.signal ? init : { ...init, signal: perRequest(input) }) });
  /** A failed call as a SmokeFailure of `step`: the API's status and error, or the network error. */
  const failure = (step: string, what: string) => (err: unknown) => {
    if (err instanceof VidgenApiError) throw new SmokeFailure(step, `${what} answered ${err.status}: ${JSON.stringify(err.body ?? err.message)}`);
    throw new SmokeFailure(step, `${what}: ${err instanceof Error ? err.message : String(err)}`);
  };

  const { job_id: jobId } = await vg.submit(SMOKE_JOB).catch(failure('submit', 'POST /generate'));
  done('submit', 'ok', `job ${jobId} accepted`);

  // Over the event stream (the client resumes it if a proxy cuts it), then the whole job.
  const job: Job = await vg.waitForCompletion(jobId, { timeoutMs }).catch((err: unknown) => {
    if (err instanceof VidgenJobError) throw new SmokeFailure('follow', `the job ended ${err.status}: ${JSON.stringify(err.jobError)}`);
    if (err instanceof Error && err.name === 'TimeoutError') throw new SmokeFailure('follow', `the job did not finish within ${timeoutMs} ms`);
    return failure('follow', `GET /jobs/${jobId}/events`)(err);
  });
  const videoUrl = job.result?.video_url;
  if (!videoUrl) throw new SmokeFailure('follow', 'the completed job has no result.video_url');
  done('follow', 'ok', 'completed');

  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-smoke-'));
  try {
    const file = path.join(dir, 'video.mp4');
    let res: Response;
    try {
      res = await fetch(videoUrl, { signal: AbortSignal.timeout(60000) });
    } catch (err) {
      throw new SmokeFailure('download', `${new URL(videoUrl).origin}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!res.ok || !res.body) throw new SmokeFailure('download', `the signed video URL answered ${res.status}`);
    await pipeline(Readable.fromWeb(res.body as ReadableStream), createWriteStream(file));
    done('download', 'ok', `through the signed URL on ${new URL(videoUrl).origin}`);

    const facts = await probe(file, { ffprobePath: resolveFfprobePath(process.env.FFPROBE_PATH) }).catch((err: unknown) => {
      throw new SmokeFailure('probe', err instanceof Error ? err.message : String(err));
    });
    const v = facts.video;
    const problems = [
      v?.codec !== 'h264' && `video codec ${v?.codec}`,
      (v?.width !== EXPECTED.width || v?.height !== EXPECTED.height) && `size ${v?.width}x${v?.height}`,
      facts.audio?.codec !== 'aac' && `audio codec ${facts.audio?.codec}`,
      facts.duration_seconds < EXPECTED.minSeconds && `duration ${facts.duration_seconds} s`,
    ].filter(Boolean);
    if (problems.length) throw new SmokeFailure('probe', `unexpected ${problems.join(', ')} (want h264 ${EXPECTED.width}x${EXPECTED.height}, aac, ≥ ${EXPECTED.minSeconds} s)`);
    done('probe', 'ok', `h264 ${v?.width}x${v?.height} @ ${v?.fps} fps, aac, ${facts.duration_seconds.toFixed(2)} s, ${facts.size_bytes} bytes`);

    // Metadata may be recorded just after the status turns completed: allow it a few seconds.
    const metadataDeadline = Date.now() + 15000;
    const readMetadata = () => vg.metadata.get(jobId).then(({ metadata }) => metadata, (err: unknown) => (err instanceof VidgenApiError ? err : failure('metadata', `GET /jobs/${jobId}/metadata`)(err)));
    let m = await readMetadata();
    while (m instanceof VidgenApiError && m.status === 409 && m.code === 'JOB_NOT_COMPLETED' && Date.now() < metadataDeadline) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      m = await readMetadata();
    }
    if (m instanceof VidgenApiError && m.status === 404 && m.code === 'ROUTE_NOT_FOUND') {
      done('metadata', 'skipped', 'this deployment has no metadata endpoint (404 ROUTE_NOT_FOUND)');
    } else {
      if (m instanceof VidgenApiError) throw new SmokeFailure('metadata', `GET /jobs/${jobId}/metadata answered ${m.status}: ${JSON.stringify(m.body ?? m.message).slice(0, 500)}`);
      if (m.job_id !== jobId) throw new SmokeFailure('metadata', `GET /jobs/${jobId}/metadata answered the metadata of ${m.job_id}`);
      if (m.width !== v?.width || m.height !== v?.height) throw new SmokeFailure('metadata', `metadata says ${m.width}x${m.height}, the file is ${v?.width}x${v?.height}`);
      done('metadata', 'ok', `200 for job ${jobId}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return outcomes;
}
