import { describeSettings, type Setting } from './settings';

export const CONFIG_DOCS_PATH = 'docs/configuration.md';
export const CONFIG_DOCS_COMMAND = 'pnpm config:docs';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function defaultOf(s: Setting): string {
  if (!('default' in s)) return '—';
  if (s.default === '') return '(empty)';
  return `\`${String(s.default)}\``;
}

/** docs/configuration.md, generated from `envSchema.describe()`; a test keeps the committed file equal to it. */
export function renderConfigDocs(): string {
  const settings = describeSettings();
  const rows = settings.map((s) => `| \`${s.name}\` | ${s.type} | ${defaultOf(s)} | ${cell(s.constraints || '—')} | ${s.secret ? 'yes' : ''} | ${cell(s.description)} |`);
  return [
    '# Configuration',
    '',
    `<!-- Generated from packages/config/src/schema.ts by \`${CONFIG_DOCS_COMMAND}\`. Do not edit by hand. -->`,
    '',
    'Every setting of the API and the workers is an environment variable, validated once at start-up by',
    '`loadConfig` (`packages/config`). All problems are reported together and the process exits 1.',
    '',
    '- `pnpm config:check` prints the effective configuration (secrets redacted) or the list of problems.',
    '- Templates: [`.env.example`](../.env.example) (development, embedded defaults) and',
    '  [`config/production.env.template`](../config/production.env.template).',
    '- Kubernetes: `infra/k8s/configmap.yaml` holds the plain settings, `infra/k8s/secret.example.yaml` the secret ones.',
    '',
    'Rules across settings:',
    '',
    '- `NODE_ENV=production` requires `API_KEYS`, `SIGNING_SECRET`, and S3 credentials: both `S3_ACCESS_KEY_ID` and',
    '  `S3_SECRET_ACCESS_KEY` (not the embedded store\'s `S3RVER`), or `S3_USE_DEFAULT_CREDENTIALS=true` for an IAM role.',
    '- `REDIS_CLUSTER=true` requires `QUEUE_PREFIX` in hash-tag form, e.g. `{vidgen}`.',
    '- `S3_PART_SIZE_BYTES` is at least 5 MiB; `SIGNED_URL_TTL_SECONDS` at most 7 days (S3 limits).',
    '- `NARRATION_DEFAULT=true` requires `NARRATION_ENABLED=true`.',
    '- `WORKER_CONCURRENCY` above the number of CPU cores is allowed but logged as a warning at start.',
    '',
    `${settings.length} settings, in schema order. "Secret" settings are redacted by \`pnpm config:check\` and belong in a Secret.`,
    '',
    '| Variable | Type | Default | Allowed values | Secret | Description |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
