import { ConfigError, loadConfig, type Config } from '@vidgen/config';
import type { Logger } from '@vidgen/core';
import { createLogger } from './logger';

export interface RunningService {
  stop(): Promise<void>;
}

/**
 * The boot sequence every app shares: validate the configuration (exit 1
 * listing every problem), make the logger, start, and stop cleanly on
 * SIGTERM/SIGINT (exit 0, or 1 when stopping fails).
 */
export function runService(service: 'api' | 'worker', start: (config: Config, logger: Logger) => Promise<RunningService>): void {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`vidgen ${service}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ service, level: config.log.level, format: config.log.format });
  start(config, logger).then(
    (running) => {
      const shutdown = (signal: string) => {
        logger.info('signal received, stopping', { signal });
        running.stop().then(
          () => process.exit(0),
          (err) => {
            logger.error('shutdown failed', { err });
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    },
    (err) => {
      process.stderr.write(`vidgen ${service} failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}
