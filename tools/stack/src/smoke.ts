import { parseArgs, runCli } from './cli';
import { runSmoke, SmokeFailure } from './smoke/steps';

const USAGE = 'usage: pnpm smoke --url <api base URL> [--api-key <key>] [--timeout-ms <ms>]';

/**
 * `pnpm smoke --url https://vidgen.example.com --api-key …`: validates a
 * running deployment with one real low-quality job. Exit 0 when every step
 * passes (a missing metadata endpoint is reported as skipped), 1 naming the
 * failing step otherwise.
 */
runCli(async () => {
  const args = parseArgs(process.argv.slice(2), ['url', 'api-key', 'timeout-ms']);
  if (!args.url) throw new Error(USAGE);
  const say = (line: string) => process.stdout.write(`[smoke] ${line}\n`);
  const started = Date.now();
  try {
    await runSmoke({ url: args.url, apiKey: args['api-key'] ?? process.env.SMOKE_API_KEY, timeoutMs: args['timeout-ms'] ? Number(args['timeout-ms']) : undefined, say });
  } catch (err) {
    if (err instanceof SmokeFailure) say(`FAIL ${err.step.padEnd(9)} ${err.message}`);
    throw err instanceof SmokeFailure ? new Error(`smoke test failed at step "${err.step}"`) : err;
  }
  say(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
