import path from 'node:path';
import { parseArgs, runCli } from './cli';
import { writeComposeSecrets } from './compose/secrets';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * `pnpm compose:secrets [--force]`: the one step before `docker-compose up`. Writes random
 * secrets into the git-ignored `.env` that docker-compose.yml interpolates; without it the
 * stack runs on `change-me` placeholders, which the API and workers refuse in production mode.
 */
runCli(async () => {
  const args = parseArgs(process.argv.slice(2), ['force', 'dir']);
  const { envFile, secrets } = await writeComposeSecrets({ dir: path.resolve(args.dir ?? ROOT), force: args.force === 'true' });
  const key = secrets.API_KEYS.slice(secrets.API_KEYS.indexOf(':') + 1);
  process.stdout.write(`wrote ${envFile}\nAPI key (owner demo): ${key}\nthen: docker-compose up -d --build && pnpm smoke --url http://localhost:3000 --api-key ${key}\n`);
});
