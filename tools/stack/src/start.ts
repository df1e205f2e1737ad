import { startStack } from './stack';

/** `pnpm start`: the whole system on embedded defaults, in one process tree; Ctrl-C stops it cleanly. */
async function main(): Promise<void> {
  const say = (line: string) => process.stdout.write(`[vidgen] ${line}\n`);
  const stack = await startStack({ output: 'inherit', say, narrationWhenInstalled: true });
  const auth = process.env.API_KEYS ? ' -H "Authorization: Bearer <key>"' : '';
  say(`ready. Open the studio: ${stack.apiUrl}/${process.env.API_KEYS ? ' (sign in with one of API_KEYS)' : ''}`);
  say('Or submit a job from a shell:');
  say(
    `  curl -s -X POST ${stack.apiUrl}/api/v1/videos/generate${auth} -H 'Content-Type: application/json' -d '{"configuration":{"topic":"Why the sky is blue","context":"Sunlight scatters off air molecules.","quality":"low"}}'`,
  );
  say(`  curl -s ${stack.apiUrl}/api/v1/videos/jobs/<job_id>${auth}`);
  say(`API reference (OpenAPI, Swagger UI): ${stack.apiUrl}/docs`);
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await stack.stop();
    say('stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  // On a terminal, Ctrl-C is read as a key instead of raising SIGINT in the whole foreground group:
  // pnpm (>= 10.16, pnpm/pnpm#9938) reports any script interrupted by SIGINT as "ELIFECYCLE Command
  // failed" even when it stops cleanly. Raw mode keeps the signal away from pnpm; we stop the same way.
  if (process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    process.stdin.on('data', (key: Buffer) => {
      if (key.includes(0x03) || key.includes(0x04)) void shutdown(0); // Ctrl-C, Ctrl-D
    });
    process.on('exit', () => process.stdin.isTTY && process.stdin.setRawMode(false));
  }
  process.on('SIGTERM', () => void shutdown(0));
  const gone = await stack.exited;
  if (!stopping) {
    say(`${gone.name} exited unexpectedly (code ${gone.code}, signal ${gone.signal}); stopping everything.`);
    await shutdown(1);
  }
}

main().catch((err) => {
  process.stderr.write(`[vidgen] failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
