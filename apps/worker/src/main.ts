import { runService } from '@vidgen/observability';
import { startWorker } from './worker';

runService('worker', startWorker);
