import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { readApiError } from './errors';
import type { components } from './schema';

export type JobStatus = components['schemas']['Job']['status'];

/** A progress event (no `event:` field): the job's status and progress; `id` is the progress version. */
export interface JobProgressEvent {
  id: string;
  event: 'message';
  data: components['schemas']['JobEventData'];
}

/** While queued: jobs that would run before this one (null: not in the wait list now). Has no id. */
export interface QueuePositionEvent {
  id: undefined;
  event: 'queue_position';
  data: components['schemas']['QueuePositionEventData'];
}

export type JobEvent = JobProgressEvent | QueuePositionEvent;

export interface FollowOptions {
  signal?: AbortSignal;
  /** Resume after this progress event (its id); events up to it are not sent again. */
  lastEventId?: string;
  /** Connection attempts in a row that may fail (no event received) before follow throws. Default 5. */
  maxRetries?: number;
}

export interface FollowDeps {
  url: string;
  headers: Record<string, string>;
  fetch: (input: string, init: RequestInit) => Promise<Response>;
}

const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);
/** Until the server says otherwise with `retry:`. */
const DEFAULT_RETRY_MS = 1000;

/** Statuses worth another connection: the stream limit (429) and a gateway or a restarting API. */
const retryableStatus = (status: number) => status === 429 || status === 502 || status === 503 || status === 504;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A job's Server-Sent Events over fetch (so it runs in browsers and Node alike and can send the
 * Authorization header, which EventSource cannot). Reconnects with Last-Event-ID when the connection
 * drops or the server ends the stream with `event: reconnect` (waiting the server's `retry:`), and
 * ends after the terminal event or on a 204 (resumed at or past the terminal event). A non-2xx
 * answer other than 429/502/503/504 throws VidgenApiError; so does one of those after `maxRetries`.
 */
export async function* followEvents(deps: FollowDeps, options: FollowOptions = {}): AsyncGenerator<JobEvent, void, undefined> {
  const { signal, maxRetries = 5 } = options;
  let lastEventId = options.lastEventId;
  let retryMs = DEFAULT_RETRY_MS;
  let failures = 0;
  for (;;) {
    signal?.throwIfAborted();
    const headers: Record<string, string> = { ...deps.headers, Accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
    let response: Response;
    try {
      response = await deps.fetch(deps.url, { headers, signal });
    } catch (err) {
      if (signal?.aborted || ++failures > maxRetries) throw err;
      await sleep(retryMs, signal);
      continue;
    }
    if (response.status === 204) return;
    if (!response.ok || !response.body) {
      const error = await readApiError(response);
      if (!retryableStatus(response.status) || ++failures > maxRetries) throw error;
      const after = Number(response.headers.get('retry-after'));
      await sleep(Number.isFinite(after) && after > 0 ? after * 1000 : retryMs, signal);
      continue;
    }

    const pending: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (e) => pending.push(e), onRetry: (ms) => (retryMs = ms) });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let received = false;
    let askedToReconnect = false;
    try {
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (err) {
          // A dropped connection reads as an error here (reconnect below); an abort is the caller's and ends follow.
          if (signal?.aborted) throw err;
          break;
        }
        if (chunk.done) break;
        parser.feed(chunk.value);
        for (const message of pending.splice(0)) {
          // The server ends the stream after this one; the loop below reconnects with the last id.
          if (message.event === 'reconnect') {
            askedToReconnect = true;
            continue;
          }
          received = true;
          if (message.event === 'queue_position') {
            yield { id: undefined, event: 'queue_position', data: JSON.parse(message.data) as QueuePositionEvent['data'] };
            continue;
          }
          if (message.event !== undefined && message.event !== 'message') continue;
          const data = JSON.parse(message.data) as JobProgressEvent['data'];
          if (message.id !== undefined) lastEventId = message.id;
          yield { id: message.id ?? '', event: 'message', data };
          if (TERMINAL.has(data.status)) return;
        }
      }
    } finally {
      // Also when the caller stops iterating early: the connection closes.
      reader.cancel().catch(() => undefined);
    }
    // A stream the server ended on purpose (`event: reconnect`) is no failure, with events or without.
    if (received || askedToReconnect) failures = 0;
    else if (++failures > maxRetries) throw new Error(`the event stream of ${deps.url} ended ${failures} times in a row without an event`);
    await sleep(retryMs, signal);
  }
}
