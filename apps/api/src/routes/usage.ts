import { Router } from 'express';
import type { OwnerBacklog, OwnerLeases, VideoBudget } from '@vidgen/queue';
import { DAY_MS } from '@vidgen/queue';
import { route } from '../middleware/errors';

export interface UsageRouteDeps {
  /** OWNER_DAILY_VIDEO_SECONDS; absent: no budget (the video figures are null). */
  videoBudget?: VideoBudget;
  /** The workers' run leases: the owner's running jobs. */
  leases: Pick<OwnerLeases, 'running'>;
  /** Each owner's queued jobs (absent: `jobs.queued` is null). */
  backlog?: OwnerBacklog;
  /** OWNER_MAX_ACTIVE_JOBS as configured (0: no limit). */
  ownerMaxActiveJobs: number;
  /** OWNER_MAX_QUEUED_JOBS as configured (0 or absent: no limit). */
  ownerMaxQueuedJobs?: number;
}

const limitOrNull = (n: number | undefined) => (n && n > 0 ? n : null);

/** GET /api/v1/usage: the calling owner's budget and jobs, read from the same keys the limits use. */
export function createUsageRouter(deps: UsageRouteDeps): Router {
  const router = Router();
  route(router, '/', {
    get: async (req, res) => {
      const owner = req.owner!;
      const [video, running, queued] = await Promise.all([deps.videoBudget?.usage(owner), deps.leases.running(owner), deps.backlog?.count(owner, 0) ?? null]);
      res.setHeader('Cache-Control', 'no-store');
      res.json({
        window_seconds: (deps.videoBudget?.windowMs ?? DAY_MS) / 1000,
        video_seconds: {
          limit: video?.limitSeconds ?? null,
          used: video?.usedSeconds ?? null,
          reserved: video?.reservedSeconds ?? null,
          remaining: video?.remainingSeconds ?? null,
          // When the oldest counted video leaves the rolling window and its seconds come back.
          next_free_at: video?.nextFreeAt?.toISOString() ?? null,
        },
        jobs: {
          running,
          queued,
          max_running: limitOrNull(deps.ownerMaxActiveJobs),
          max_queued: limitOrNull(deps.ownerMaxQueuedJobs),
        },
      });
    },
  });
  return router;
}
