/**
 * The studio's view of the API: the @vidgen/client surface (createClient,
 * VidgenApiError) and the few response shapes the views read. Until the typed
 * client lands this module implements that surface with fetch; the views import
 * only from here, so switching to @vidgen/client changes this file alone.
 */

export interface FieldProblem {
  field: string;
  message: string;
  type?: string;
  allowed?: unknown[];
}

/** A non-2xx answer: the API's error body, with the HTTP status and the correlation id to quote. */
export class VidgenApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly correlationId: string | null;
  constructor(init: { status: number; code: string; message: string; details?: unknown; correlationId?: string | null }) {
    super(init.message);
    this.name = 'VidgenApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? null;
    this.correlationId = init.correlationId ?? null;
  }
}

export type JobStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface Stage {
  name: string;
  status: string;
}

export interface Progress {
  percentage: number;
  stage: string;
  stage_percentage: number;
  stages: Stage[];
  eta_seconds: number | null;
}

export interface Job {
  job_id: string;
  status: JobStatus;
  queue_position?: number | null;
  progress: Progress;
  configuration: { topic: string; quality?: string; [key: string]: unknown };
  created_at: string;
  error: { code: string; message: string } | null;
  result: {
    video_url: string | null;
    download_url: string | null;
    hls_url: string | null;
    subtitles_url: string | null;
    poster_url: string | null;
    storyboard_url: string | null;
    duration_seconds: number;
  } | null;
  links: { self: string; events: string };
}

export interface Metadata {
  job_id: string;
  version: number;
  title: string;
  description: string;
  tags: string[];
  [key: string]: unknown;
}

export interface Capabilities {
  qualities: Array<{ name: string; label: string; allowed: boolean }>;
  aspects: string[];
  default_aspect: string;
  themes: string[];
  default_theme: string;
  layouts: Array<{ name: string; required: string[]; optional: string[] }>;
  chart_types: string[];
  icons: string[];
  limits: { max_scenes: number; max_video_seconds: number };
  narration: { enabled: boolean; default: boolean };
  music_presets: string[];
  voices: Array<{ id: string; name: string; engine: string }>;
  default_voice: string | null;
}

export interface PlanPreview {
  plan: {
    width: number;
    height: number;
    fps: number;
    total_seconds: number;
    scenes: Array<{ index: number; layout: string; start_seconds: number; duration_seconds: number; content: Record<string, unknown> }>;
  };
  warnings: unknown[];
}

/** One server-sent event: `event` is "message" for progress, or queue_position, reconnect. */
export interface StreamEvent {
  id: string;
  event: string;
  data: unknown;
}

export interface ClientOptions {
  /** The API's origin ('' for the page's own). */
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof fetch;
}

export type VidgenClient = ReturnType<typeof createClient>;

/** The @vidgen/client surface, over fetch. */
export function createClient(options: ClientOptions) {
  const { baseUrl, apiKey } = options;
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);

  async function call(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json', ...init.headers };
    if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    // no-cache: the browser may keep an answer (metadata is cacheable) but must revalidate it (If-None-Match), so a
    // read right after someone else's edit sees that edit.
    const res = await doFetch(`${baseUrl}${path}`, { method, headers, cache: 'no-cache', body: init.body === undefined ? undefined : JSON.stringify(init.body) });
    if (!res.ok) {
      const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: unknown } } | null;
      throw new VidgenApiError({
        status: res.status,
        code: body?.error?.code ?? `HTTP_${res.status}`,
        message: body?.error?.message ?? res.statusText,
        details: body?.error?.details,
        correlationId: res.headers.get('x-correlation-id'),
      });
    }
    return res;
  }
  const json = async <T>(method: string, path: string, init?: { body?: unknown; headers?: Record<string, string> }) => (await (await call(method, path, init)).json()) as T;
  const job = (id: string) => `/api/v1/videos/jobs/${encodeURIComponent(id)}`;

  return {
    capabilities: () => json<Capabilities>('GET', '/api/v1/capabilities'),
    plan: (body: unknown) => json<PlanPreview>('POST', '/api/v1/videos/plan', { body }),
    submit: (body: unknown, opts: { idempotencyKey?: string } = {}) =>
      json<{ job_id: string }>('POST', '/api/v1/videos/generate', { body, headers: opts.idempotencyKey ? { 'Idempotency-Key': opts.idempotencyKey } : {} }),
    get: (id: string) => json<Job>('GET', job(id)),
    list: (query: { status?: string; limit?: number; cursor?: string } = {}) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
      return json<{ jobs: Job[]; next_cursor: string | null }>('GET', `/api/v1/videos/jobs${q.size ? `?${q}` : ''}`);
    },
    cancel: (id: string) => json<Job>('POST', `${job(id)}/cancel`),
    retry: (id: string) => json<Job>('POST', `${job(id)}/retry`),
    delete: async (id: string) => void (await call('DELETE', job(id))),
    metadata: {
      get: async (id: string) => {
        const res = await call('GET', `${job(id)}/metadata`);
        return { metadata: (await res.json()) as Metadata, etag: res.headers.get('etag') ?? '' };
      },
      patch: async (id: string, patch: Partial<Pick<Metadata, 'title' | 'description' | 'tags'>>, opts: { ifMatch: string }) => {
        const res = await call('PATCH', `${job(id)}/metadata`, { body: patch, headers: { 'If-Match': opts.ifMatch } });
        return { metadata: (await res.json()) as Metadata, etag: res.headers.get('etag') ?? '' };
      },
    },
    /** The job's events until its last one; EventSource over the signed links.events URL. */
    follow(id: string, opts: { signal?: AbortSignal } = {}): AsyncIterable<StreamEvent> {
      const getJob = () => json<Job>('GET', job(id));
      return {
        async *[Symbol.asyncIterator]() {
          const { links } = await getJob();
          const es = new EventSource(links.events);
          const pending: StreamEvent[] = [];
          let wake: (() => void) | null = null;
          let done = false;
          const push = (event: string) => (e: MessageEvent) => {
            pending.push({ id: e.lastEventId, event, data: JSON.parse(e.data as string) });
            wake?.();
          };
          es.addEventListener('message', push('message'));
          es.addEventListener('queue_position', push('queue_position') as EventListener);
          es.onerror = () => {
            if (es.readyState === EventSource.CLOSED) {
              done = true;
              wake?.();
            }
          };
          opts.signal?.addEventListener('abort', () => {
            done = true;
            wake?.();
          });
          try {
            while (true) {
              if (pending.length) {
                yield pending.shift()!;
                continue;
              }
              if (done) return;
              await new Promise<void>((r) => (wake = r));
              wake = null;
            }
          } finally {
            es.close();
          }
        },
      };
    },
  };
}
