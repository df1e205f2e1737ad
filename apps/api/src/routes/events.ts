import { Router, type Request, type Response } from 'express';
import { VidgenError, type Logger } from '@vidgen/core';
import type { ApiKey } from '@vidgen/config';
import { setContext } from '@vidgen/observability';
import { authenticateEventStream } from '../middleware/auth';
import { route } from '../middleware/errors';
import type { ProgressFeed } from '../progress-feed';
import { eventData, isTerminalJobStatus, type JobProgressState } from '../progress-view';
import type { EventTokens } from '../tokens';
import { jobIdParam, readOwnJob, type JobReader } from './job-state';

export interface EventsRouteDeps extends JobReader {
  feed: ProgressFeed;
  tokens: EventTokens;
  apiKeys: readonly ApiKey[];
  sseHeartbeatMs: number;
  logger: Logger;
}

/** Last-Event-ID from the header, or the `last_event_id` query parameter (EventSource polyfills, manual reconnects). */
function lastEventId(req: Request): number | null {
  const raw = req.get('last-event-id') ?? (typeof req.query.last_event_id === 'string' ? req.query.last_event_id : undefined);
  if (raw === undefined || !/^\d{1,15}$/.test(raw.trim())) return null;
  return Number(raw.trim());
}

const frame = (state: JobProgressState) => `id: ${state.version}\ndata: ${JSON.stringify(eventData(state))}\n\n`;

/**
 * GET /jobs/:job_id/events: Server-Sent Events of one job's progress. The
 * first event is the current state; then one per stored update (event id =
 * tracker version); the stream ends after the terminal event.
 */
export function createEventsRouter(deps: EventsRouteDeps): Router {
  const { feed, sseHeartbeatMs, logger } = deps;
  const router = Router();
  router.use('/jobs/:job_id/events', authenticateEventStream(deps.apiKeys, deps.tokens));

  async function stream(req: Request, res: Response): Promise<void> {
    const jobId = jobIdParam(req.params);
    const owner = req.owner!;
    setContext({ job_id: jobId });
    const log = logger.child({ job_id: jobId, correlation_id: req.correlationId });

    let lastSent = lastEventId(req);
    let closed = false;
    let running = false;
    let again = false;
    let againFromHeartbeat = false;
    // Heartbeats that found the record finished but its run not (see deliver).
    let staleTerminalTicks = 0;
    let heartbeat: NodeJS.Timeout | undefined;

    const cleanup = () => {
      closed = true;
      clearInterval(heartbeat);
      unwatch();
    };
    const send = (state: JobProgressState) => {
      res.write(frame(state));
      lastSent = state.version;
    };
    const end = () => {
      cleanup();
      res.end();
    };

    /**
     * Sends a state the client does not have yet. A terminal state is sent only
     * once it is final, and ends the stream. Between the worker's store.complete
     * and tracker.finish the record is terminal but the run is not finished;
     * finish() normally follows at once with a newer version. Should it never
     * come (a worker lost between the two), the record's outcome is sent after
     * two heartbeats, so a stream can never hang on a finished job.
     */
    const deliver = (state: JobProgressState, fromHeartbeat: boolean) => {
      if (isTerminalJobStatus(state.status)) {
        if (state.final || (fromHeartbeat && ++staleTerminalTicks >= 2)) {
          send(state);
          end();
        }
        return;
      }
      if (lastSent === null || state.version > lastSent) send(state);
    };

    const refresh = async (fromHeartbeat: boolean) => {
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
      deliver(current.state, fromHeartbeat);
    };

    /** Runs refreshes one at a time (events stay in order) and coalesces notifications that arrive meanwhile. */
    const schedule = (fromHeartbeat: boolean) => {
      if (closed) return;
      againFromHeartbeat ||= fromHeartbeat;
      if (running) {
        again = true;
        return;
      }
      running = true;
      void (async () => {
        try {
          do {
            again = false;
            const hb = againFromHeartbeat;
            againFromHeartbeat = false;
            await refresh(hb);
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
        else schedule(false);
      },
      // The API is stopping: end the stream so the client reconnects (to another replica) with Last-Event-ID.
      onClose: () => {
        if (!closed) end();
      },
    });

    // Registered before the first read: a client gone meanwhile must not leave a heartbeat behind.
    res.on('close', cleanup);

    let first;
    try {
      first = await readOwnJob(deps, jobId, owner);
    } catch (err) {
      unwatch();
      throw err;
    }
    if (!first) {
      unwatch();
      throw new VidgenError('JOB_NOT_FOUND');
    }
    if (closed) return;

    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx would otherwise buffer the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    req.socket.setNoDelay(true);

    // A finished job answers with its terminal event whatever the client last saw, then ends.
    deliver(first.state, false);
    if (closed) return;
    heartbeat = setInterval(() => {
      res.write(': hb\n\n');
      schedule(true);
    }, sseHeartbeatMs);
    started = true;
    if (changedBeforeStart) schedule(false);
  }

  route(router, '/jobs/:job_id/events', { get: stream });
  return router;
}
