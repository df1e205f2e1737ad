import { ConfigError, loadConfigWithWarnings, type Config } from '@vidgen/config';
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
export interface ServiceInfo {
  /** The app's version, on every log line and in vidgen_build_info. */
  version: string;
}

export function runService(
  service: 'api' | 'worker',
  start: (config: Config, logger: Logger, info: ServiceInfo) => Promise<RunningService>,
  info: ServiceInfo = { version: '0.0.0' },
): void {
  let config: Config;
  let warnings: string[];
  try {
    ({ config, warnings } = loadConfigWithWarnings());
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`vidgen ${service}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger({ service, version: info.version, level: config.log.level, format: config.log.format });
  for (const warning of warnings) logger.warn(`configuration: ${warning}`);
  start(config, logger, info).then(
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
