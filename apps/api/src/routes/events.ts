import { Router, type Request, type Response } from 'express';
import { VidgenError, isTerminalStatus, type JobStatus, type Logger } from '@vidgen/core';
import type { JobQueue } from '@vidgen/jobs';
import type { ApiKey } from '@vidgen/config';
import { setContext } from '@vidgen/observability';
import { authenticateEventStream } from '../middleware/auth';
import { route } from '../middleware/errors';
import type { EventStreamSlots, ProgressFeed } from '../progress-feed';
import { eventData, signedEventsPath, type EventTokens, type JobProgressState, type PublicUrl } from '@vidgen/jobs';
import { jobIdParam, readOwnJob, type JobReader } from './job-state';

export interface EventsRouteDeps extends JobReader {
  feed: ProgressFeed;
  tokens: EventTokens;
  apiKeys: readonly ApiKey[];
  sseHeartbeatMs: number;
  /** Open-stream limits of this process, in all and per owner (SSE_MAX_STREAMS, SSE_MAX_STREAMS_PER_OWNER). */
  streamSlots: EventStreamSlots;
  /** Longest life of one stream (SSE_MAX_LIFETIME_SECONDS), in ms; then it ends with a reconnect event. */
  sseMaxLifetimeMs: number;
  logger: Logger;
  /** Makes the reconnect event's url absolute (PUBLIC_BASE_URL). */
  publicUrl: PublicUrl;
  /** The video queue, for the queue_position events. */
  queue: Pick<JobQueue, 'positions'>;
  /**
   * How often a queued job's position is read (SSE_QUEUE_POSITION_INTERVAL_MS). Computed on read
   * by the API holding the stream, a few Redis commands per open stream per interval, and sent
   * only when it changed: nothing is written per waiting job when a worker takes one.
   */
  queuePositionIntervalMs: number;
}

/** Retry-After of a 429 TOO_MANY_EVENT_STREAMS: streams end all the time (terminal events, lifetimes, disconnects). */
const STREAM_LIMIT_RETRY_AFTER_SECONDS = 5;
/** Streams end up to this share of the lifetime early, so streams opened together do not all reconnect together. */
const LIFETIME_JITTER = 0.1;
/** The `retry:` sent with a reconnect event: a base delay plus a random spread. */
const RECONNECT_RETRY_BASE_MS = 1000;
const RECONNECT_RETRY_SPREAD_MS = 2000;

export type ReconnectReason = 'max_lifetime' | 'shutdown';

/** Last-Event-ID from the header, or the `last_event_id` query parameter (EventSource polyfills, manual reconnects). */
function lastEventId(req: Request): number | null {
  const raw = req.get('last-event-id') ?? (typeof req.query.last_event_id === 'string' ? req.query.last_event_id : undefined);
  if (raw === undefined || !/^\d{1,15}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

const frame = (state: JobProgressState) => `id: ${state.version}\ndata: ${JSON.stringify(eventData(state))}\n\n`;

/**
 * `event: queue_position`: jobs that would run before this one (null: not in the wait list now,
 * e.g. waiting for a retry's backoff or for a run slot of its owner). No `id:`: positions are not
 * progress, and a reconnect resumes from the last progress event.
 */
const positionFrame = (jobId: string, position: number | null) => `event: queue_position\ndata: ${JSON.stringify({ job_id: jobId, queue_position: position })}\n\n`;

/**
 * The last frame of a stream the server ends while the job still runs (its
 * lifetime is over, or the API stops). It has no `id:`, so an EventSource
 * keeps the id of the last progress event and reconnects by itself after
 * `retry` ms with that Last-Event-ID. `url` is a fresh link (new token,
 * `last_event_id`) for clients whose token may have expired meanwhile: a
 * `reconnect` listener can close the EventSource and open `url` instead.
 */
function reconnectFrame(data: { job_id: string; reason: ReconnectReason; last_event_id: number | null; url: string }): string {
  const retry = RECONNECT_RETRY_BASE_MS + Math.floor(Math.random() * RECONNECT_RETRY_SPREAD_MS);
  return `event: reconnect\nretry: ${retry}\ndata: ${JSON.stringify({ ...data, retry_ms: retry })}\n\n`;
}

/**
 * GET /jobs/:job_id/events: Server-Sent Events of one job's progress. The
 * first event is the current state; then one per stored update (event id =
 * tracker version); the stream ends after the terminal event, or with an
 * `event: reconnect` once it reached its lifetime or the API stops. Open
 * streams are limited per process and per owner (429 TOO_MANY_EVENT_STREAMS).
 * A client that already has the terminal event (its Last-Event-ID is at or
 * past it) gets 204 No Content, the one answer that makes an EventSource stop
 * reconnecting; without it, every reconnect would replay the terminal event.
 */
export function createEventsRouter(deps: EventsRouteDeps): Router {
  const { feed, sseHeartbeatMs, streamSlots, sseMaxLifetimeMs, logger } = deps;
  const router = Router();
  router.use('/jobs/:job_id/events', authenticateEventStream(deps.apiKeys, deps.tokens));

  async function stream(req: Request, res: Response): Promise<void> {
    const jobId = jobIdParam(req.params);
    const owner = req.owner!;
    setContext({ job_id: jobId });
    const log = logger.child({ job_id: jobId, correlation_id: req.correlationId });

    // Before anything is read: a client over its limit costs no Redis round trip.
    const slot = streamSlots.acquire(owner);
    if (!slot.ok) {
      res.setHeader('Retry-After', String(STREAM_LIMIT_RETRY_AFTER_SECONDS));
      throw new VidgenError('TOO_MANY_EVENT_STREAMS', { details: { scope: slot.scope, limit: slot.limit, retry_after_seconds: STREAM_LIMIT_RETRY_AFTER_SECONDS } });
    }

    let lastSent = lastEventId(req);
    let closed = false;
    let running = false;
    let again = false;
    let heartbeat: NodeJS.Timeout | undefined;
    let lifetime: NodeJS.Timeout | undefined;
    let positions: NodeJS.Timeout | undefined;
    // The status of the last state sent, and the last position sent (undefined: none yet).
    let status: JobStatus | null = null;
    let position: number | null | undefined;
    let readingPosition = false;

    // Runs on every way the stream ends (client gone, terminal event, lifetime, shutdown, errors); repeat calls are harmless.
    const cleanup = () => {
      closed = true;
      clearInterval(heartbeat);
      clearInterval(positions);
      clearTimeout(lifetime);
      unwatch();
      slot.release();
    };
    const send = (state: JobProgressState) => {
      res.write(frame(state));
      lastSent = state.version;
      status = state.status;
    };
    /** While the job is queued: its position, when it changed since the last one sent. */
    const sendPosition = async () => {
      if (closed || readingPosition || status !== 'queued') return;
      readingPosition = true;
      try {
        const [now = null] = await deps.queue.positions([jobId]);
        if (closed || status !== 'queued' || now === position) return;
        position = now;
        res.write(positionFrame(jobId, now));
      } catch (err) {
        // Redis is away: the next interval tries again.
        log.debug('queue position read failed', { err: (err as Error).message });
      } finally {
        readingPosition = false;
      }
    };
    const end = () => {
      cleanup();
      res.end();
    };
    /** Ends a stream of a job that still runs, telling the client to come back (with Last-Event-ID). */
    const reconnect = (reason: ReconnectReason) => {
      if (closed) return;
      if (res.headersSent) {
        res.write(reconnectFrame({ job_id: jobId, reason, last_event_id: lastSent, url: deps.publicUrl(signedEventsPath(deps.tokens, jobId, owner, lastSent)) }));
      }
      log.debug('event stream ended; client asked to reconnect', { reason, last_event_id: lastSent });
      end();
    };

    /**
     * Sends a state the client does not have yet. A terminal state is the last:
     * it is sent and ends the stream. The record's terminal transition ended
     * the run in the same script, so nothing newer can follow it.
     */
    const deliver = (state: JobProgressState) => {
      status = state.status;
      if (isTerminalStatus(state.status)) {
        send(state);
        end();
        return;
      }
      if (lastSent === null || state.version > lastSent) send(state);
    };

    const refresh = async () => {
      let current;
      try {
        current = await readOwnJob(deps, jobId, owner);
      } catch (err) {
        // Redis is away: keep the stream; the next heartbeat or the resubscribe re-reads.
        log.warn('event stream could not read the job', { err: (err as Error).message });
        return;
      }
      if (closed) return;
      if (!current) return end(); // deleted or expired meanwhile
      deliver(current.state);
    };

    /** Runs refreshes one at a time (events stay in order) and coalesces notifications that arrive meanwhile. */
    const schedule = () => {
      if (closed) return;
      if (running) {
        again = true;
        return;
      }
      running = true;
      void (async () => {
        try {
          do {
            again = false;
            await refresh();
          } while (again && !closed);
        } catch (err) {
          log.error('event stream failed', { err });
          if (!closed) end();
        } finally {
          running = false;
        }
      })();
    };

    // Listen before the first read, so a change between the read and the subscription is not lost;
    // changes seen before the first event is out are replayed right after it.
    let started = false;
    let changedBeforeStart = false;
    const unwatch = feed.watch(jobId, {
      onChange: ({ version }) => {
        if (version !== null && lastSent !== null && version <= lastSent) return;
        if (!started) changedBeforeStart = true;
        else schedule();
      },
      // The API is stopping: end the stream so the client reconnects (to another replica) with Last-Event-ID.
      onClose: () => reconnect('shutdown'),
    });

    // Registered before the first read: a client gone meanwhile must not leave a heartbeat or a slot behind.
    res.on('close', cleanup);
    if (req.socket.destroyed) cleanup();

    let first;
    try {
      first = await readOwnJob(deps, jobId, owner);
    } catch (err) {
      cleanup();
      throw err;
    }
    if (!first) {
      cleanup();
      throw new VidgenError('JOB_NOT_FOUND');
    }
    if (closed) return;
    // The stream is over for this client: a terminal state it has already seen.
    const seen = lastEventId(req);
    if (isTerminalStatus(first.state.status) && seen !== null && seen >= first.state.version) {
      cleanup();
      res.setHeader('Cache-Control', 'no-store');
      res.status(204).end();
      return;
    }

    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx would otherwise buffer the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);

    // A finished job answers with its terminal event whatever the client last saw, then ends.
    deliver(first.state);
    if (closed) return;
    heartbeat = setInterval(() => {
      res.write(': hb\n\n');
      schedule();
    }, sseHeartbeatMs);
    lifetime = setTimeout(() => reconnect('max_lifetime'), Math.max(1, Math.round(sseMaxLifetimeMs * (1 - Math.random() * LIFETIME_JITTER))));
    positions = setInterval(() => void sendPosition(), deps.queuePositionIntervalMs);
    void sendPosition();
    started = true;
    if (changedBeforeStart) schedule();
  }

  route(router, '/jobs/:job_id/events', { get: stream });
  return router;
}
