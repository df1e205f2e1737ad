import { runService } from '@vidgen/observability';
import { startApi } from './app';

runService('api', startApi);
