import { ConfigError, loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { startWorker } from './worker';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`vidgen worker: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ service: 'worker', level: config.log.level, format: config.log.format });
  const worker = await startWorker(config, logger);
  const shutdown = (signal: string) => {
    logger.info('signal received', { signal });
    worker.stop().then(
      () => process.exit(0),
      (err) => {
        logger.error('shutdown failed', { err });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`vidgen worker failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
