import createFetchClient from 'openapi-fetch';
import { VidgenJobError, apiErrorFrom } from './errors';
import { followEvents, type FollowOptions, type JobEvent } from './follow';
import type { components, paths } from './schema';

type Schemas = components['schemas'];
export type Job = Schemas['Job'];
export type JobAccepted = Schemas['JobAccepted'];
export type JobList = Schemas['JobList'];
export type GenerateRequest = Schemas['GenerateRequest'];
export type SceneInput = Schemas['SceneInput'];
export type Capabilities = Schemas['Capabilities'];
export type Usage = Schemas['Usage'];
export type Plan = Schemas['Plan'];
export type Metadata = Schemas['Metadata'];
export type MetadataPatch = Schemas['MetadataPatch'];
export type MetadataVersions = Schemas['MetadataVersions'];

export interface ClientOptions {
  /** The API's origin, e.g. `http://127.0.0.1:3000`; '' (the default) is the page's own origin in a browser. */
  baseUrl?: string;
  /** Sent as `Authorization: Bearer <apiKey>`; none in open development mode. */
  apiKey?: string;
  /** A fetch to use instead of the global one (tests, proxies, retries). */
  fetch?: typeof fetch;
}

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Sent as X-Correlation-ID: it shows up in the API's and the worker's logs. */
  correlationId?: string;
}

export interface SubmitOptions extends CallOptions {
  /** The same key and body again answer the original job instead of a second one (kept 24 h per owner). */
  idempotencyKey?: string;
}

export interface ListOptions extends CallOptions {
  status?: Job['status'];
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
}

export interface WaitOptions {
  signal?: AbortSignal;
  /** Give up (throw a TimeoutError) after this long. */
  timeoutMs?: number;
}

/** Metadata with the ETag that names its version (send it back as `ifMatch`). */
export interface VersionedMetadata {
  metadata: Metadata;
  etag: string;
}

export type VidgenClient = ReturnType<typeof createClient>;

/**
 * The typed client of /api/v1. Every method resolves with the answer's body as the OpenAPI
 * document types it, and throws VidgenApiError on any non-2xx answer.
 */
export function createClient(options: ClientOptions = {}) {
  const { baseUrl = '', apiKey } = options;
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const auth: Record<string, string> = apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
  const api = createFetchClient<paths>({ baseUrl, headers: auth, fetch: (request) => fetchImpl(request) });

  const headersOf = (o: CallOptions | undefined) => (o?.correlationId ? { 'X-Correlation-ID': o.correlationId } : {});
  const jobPath = (jobId: string) => ({ path: { job_id: jobId } });

  /** The body of a 2xx answer, or the VidgenApiError of any other. */
  async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<{ data: T; response: Response }> {
    const { data, error, response } = await call;
    // openapi-fetch has read the body already: parsed JSON, or the text when it was not JSON.
    if (!response.ok) throw apiErrorFrom(response, error);
    return { data: data as T, response };
  }
  const etagOf = (response: Response) => response.headers.get('etag') ?? '';

  const client = {
    /** What a configuration may contain: qualities, aspects, themes, layouts, icons, voices… */
    async capabilities(o?: CallOptions): Promise<Capabilities> {
      return (await unwrap(api.GET('/api/v1/capabilities', { params: { header: headersOf(o) }, signal: o?.signal }))).data;
    },
    /** The calling owner's video-seconds budget and running/queued jobs. */
    async usage(o?: CallOptions): Promise<Usage> {
      return (await unwrap(api.GET('/api/v1/usage', { params: { header: headersOf(o) }, signal: o?.signal }))).data;
    },
    /** What a job with this body would render (scenes, timings, warnings), without creating it. */
    async plan(body: GenerateRequest, o?: CallOptions): Promise<Plan> {
      return (await unwrap(api.POST('/api/v1/videos/plan', { body, params: { header: headersOf(o) }, signal: o?.signal }))).data;
    },
    /** Submits a job: 202 (new) or 200 (the same Idempotency-Key and body again). */
    async submit(body: GenerateRequest, o?: SubmitOptions): Promise<JobAccepted> {
      const header = { ...headersOf(o), ...(o?.idempotencyKey ? { 'Idempotency-Key': o.idempotencyKey } : {}) };
      return (await unwrap(api.POST('/api/v1/videos/generate', { body, params: { header }, signal: o?.signal }))).data;
    },
    async get(jobId: string, o?: CallOptions): Promise<Job> {
      return (await unwrap(api.GET('/api/v1/videos/jobs/{job_id}', { params: { ...jobPath(jobId), header: headersOf(o) }, signal: o?.signal }))).data;
    },
    /** A page of the owner's jobs, newest first; pass `next_cursor` as `cursor` for the next. */
    async list(o: ListOptions = {}): Promise<JobList> {
      const { status, limit, cursor } = o;
      return (await unwrap(api.GET('/api/v1/videos/jobs', { params: { query: { status, limit, cursor }, header: headersOf(o) }, signal: o.signal }))).data;
    },
    /** Cancels a queued or running job (409 JOB_NOT_CANCELLABLE otherwise). */
    async cancel(jobId: string, o?: CallOptions): Promise<Job> {
      return (await unwrap(api.POST('/api/v1/videos/jobs/{job_id}/cancel', { params: { ...jobPath(jobId), header: headersOf(o) }, signal: o?.signal }))).data;
    },
    /** Runs a failed or cancelled job again (409 JOB_NOT_RETRYABLE otherwise). */
    async retry(jobId: string, o?: CallOptions): Promise<Job> {
      return (await unwrap(api.POST('/api/v1/videos/jobs/{job_id}/retry', { params: { ...jobPath(jobId), header: headersOf(o) }, signal: o?.signal }))).data;
    },
    /** Deletes a job, its metadata and its stored objects. */
    async delete(jobId: string, o?: CallOptions): Promise<void> {
      await unwrap(api.DELETE('/api/v1/videos/jobs/{job_id}', { params: { ...jobPath(jobId), header: headersOf(o) }, signal: o?.signal }));
    },
    metadata: {
      /** A completed job's metadata and its ETag (409 JOB_NOT_COMPLETED before). */
      async get(jobId: string, o?: CallOptions): Promise<VersionedMetadata> {
        const { data, response } = await unwrap(api.GET('/api/v1/videos/jobs/{job_id}/metadata', { params: { ...jobPath(jobId), header: headersOf(o) }, signal: o?.signal }));
        return { metadata: data, etag: etagOf(response) };
      },
      /** Edits title, description or tags of the version `ifMatch` names; a stale ETag throws a 412 METADATA_VERSION_CONFLICT. */
      async patch(jobId: string, patch: MetadataPatch, o: CallOptions & { ifMatch: string }): Promise<VersionedMetadata> {
        const header = { ...headersOf(o), 'If-Match': o.ifMatch };
        const { data, response } = await unwrap(api.PATCH('/api/v1/videos/jobs/{job_id}/metadata', { body: patch, params: { ...jobPath(jobId), header }, signal: o.signal }));
        return { metadata: data, etag: etagOf(response) };
      },
      /** The metadata's versions, newest first. */
      async versions(jobId: string, o: CallOptions & { limit?: number; cursor?: string } = {}): Promise<MetadataVersions> {
        const { limit, cursor } = o;
        return (await unwrap(api.GET('/api/v1/videos/jobs/{job_id}/metadata/versions', { params: { ...jobPath(jobId), query: { limit, cursor }, header: headersOf(o) }, signal: o.signal }))).data;
      },
    },
    /**
     * The job's events: the current state first, then every update, until the terminal one.
     * Reconnects with Last-Event-ID by itself (dropped connection, `event: reconnect`).
     */
    follow(jobId: string, o: FollowOptions = {}): AsyncGenerator<JobEvent, void, undefined> {
      const url = `${baseUrl}/api/v1/videos/jobs/${encodeURIComponent(jobId)}/events`;
      return followEvents({ url, headers: auth, fetch: fetchImpl }, o);
    },
    /** Follows the job to its end: the completed job, or a VidgenJobError when it failed or was cancelled. */
    async waitForCompletion(jobId: string, o: WaitOptions = {}): Promise<Job> {
      const { signal, timeoutMs } = o;
      const controller = new AbortController();
      const onAbort = () => controller.abort(signal!.reason);
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(timeoutError(jobId, timeoutMs)), timeoutMs);
      try {
        for await (const _ of client.follow(jobId, { signal: controller.signal })) {
          // Only the end matters; the job is read whole below.
        }
        const job = await client.get(jobId, { signal: controller.signal });
        if (job.status === 'completed') return job;
        if (job.status === 'failed' || job.status === 'cancelled') throw new VidgenJobError(jobId, job.status, job.error ?? null);
        throw new Error(`job ${jobId}: the event stream ended while it is ${job.status}`);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
  return client;
}

function timeoutError(jobId: string, timeoutMs: number): Error {
  const err = new Error(`job ${jobId} did not finish within ${timeoutMs} ms`);
  err.name = 'TimeoutError';
  return err;
}
