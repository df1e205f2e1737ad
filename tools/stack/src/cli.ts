import Redis from 'ioredis';
import { loadConfig } from '@vidgen/config';

/** `--name value` and bare `--flag` (→ "true"); unknown options are refused. */
export function parseArgs(argv: readonly string[], known: readonly string[]): Record<string, string | undefined> {
  const args: Record<string, string | undefined> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--') continue; // `pnpm run x -- --flag`
    const name = arg.replace(/^--/, '');
    if (!arg.startsWith('--') || !known.includes(name)) throw new Error(`unknown argument ${arg}; known: ${known.map((k) => `--${k}`).join(' ')}`);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      args[name] = next;
      i += 1;
    } else {
      args[name] = 'true';
    }
  }
  return args;
}

/** The deployment's Redis and prefix, from the same validated configuration the apps use. */
export function connect(prefixOverride?: string): { redis: Redis; prefix: string } {
  const config = loadConfig();
  return { redis: new Redis(config.redis.url, { maxRetriesPerRequest: 2 }), prefix: prefixOverride ?? config.redis.prefix };
}

export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
