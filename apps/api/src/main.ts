import { ConfigError, loadConfig } from '@vidgen/config';
import { createLogger } from '@vidgen/observability';
import { startApi } from './app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`vidgen api: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ service: 'api', level: config.log.level, format: config.log.format });
  const api = await startApi(config, logger);
  const shutdown = (signal: string) => {
    logger.info('signal received, draining', { signal });
    api.stop().then(
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
  process.stderr.write(`vidgen api failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
