import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runService } from '@vidgen/observability';
import { startWorker } from './worker';

// package.json ships beside dist/ in the image (pnpm deploy), so the version needs no build step.
const { version } = JSON.parse(readFileSync(path.join(__dirname, '../package.json'), 'utf8')) as { version: string };
runService('worker', startWorker, { version });
