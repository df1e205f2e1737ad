import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router } from 'express';
import type { BullQueue } from '@vidgen/queue';
import { requireAdminKey } from '../middleware/admin-auth';
import { ROUTE_TEMPLATE } from '../middleware/http-metrics';

export const QUEUE_BOARD_PATH = '/admin/queues';

/** Any of our Bull queues (video-generation, webhooks, maintenance). */
export type BoardQueue = BullQueue;

/**
 * bull-board for operators, behind ADMIN_API_KEY. Read-only: our job records
 * are the source of truth, and retrying or cleaning Bull jobs from the board
 * would leave them disagreeing with the records clients read. Finished Bull
 * jobs stay for a while (QUEUE_HISTORY in @vidgen/queue), so the Completed
 * and Failed tabs show recent history.
 */
export function createQueueBoardRouter(queues: readonly BoardQueue[], adminApiKey: string): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullAdapter(q, { readOnlyMode: true })), serverAdapter, options: { uiConfig: { boardTitle: 'vidgen queues' } } });
  // bull-board serves from an Express app of its own, which would announce itself (X-Powered-By) on every page.
  const board = serverAdapter.getRouter() as Router & { disable?: (setting: string) => unknown };
  board.disable?.('x-powered-by');
  const router = Router();
  router.use(
    QUEUE_BOARD_PATH,
    (_req, res, next) => {
      res.locals[ROUTE_TEMPLATE] = QUEUE_BOARD_PATH;
      next();
    },
    requireAdminKey(adminApiKey),
    board,
  );
  return router;
}
