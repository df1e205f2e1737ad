import { ConfigError, loadConfigWithWarnings } from '../index';
import { effectiveSettings } from '../redact';

/**
 * `pnpm config:check`: validates the environment like the apps do at start.
 * Prints the effective configuration with secrets redacted and exits 0, or
 * lists every problem and exits 1.
 */
function main(): number {
  try {
    const { warnings } = loadConfigWithWarnings(process.env);
    for (const s of effectiveSettings(process.env)) {
      const value = s.value === undefined ? '' : String(s.value);
      process.stdout.write(`${s.name}=${value}${s.source === 'env' ? '' : `  # ${s.source}`}\n`);
    }
    for (const w of warnings) process.stdout.write(`warning: ${w}\n`);
    process.stdout.write(`configuration OK${warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? '' : 's'})` : ''}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
}

process.exitCode = main();
