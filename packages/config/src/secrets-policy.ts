import { secretSettingNames } from './settings';

/** What a placeholder says in any of our templates: CHANGE_ME, change-me, changeme. */
const PLACEHOLDER = /change[_-]?me/i;

/**
 * Example values of templates that shipped without a CHANGE_ME mark (older docker-compose.yml
 * files). Anyone who read the repository knows them, so production refuses them like a placeholder.
 */
export const KNOWN_EXAMPLE_SECRETS: ReadonlySet<string> = new Set(['vidgen-secret-key', 'vidgen-local-admin', 'vidgen']);

/** Shortest API key production accepts: 24 characters (e.g. `openssl rand -hex 16` gives 32). */
export const MIN_PRODUCTION_API_KEY_LENGTH = 24;

const HOW_TO = 'generate one with `openssl rand -hex 32`';

function looksLikeExample(value: string): boolean {
  return PLACEHOLDER.test(value) || KNOWN_EXAMPLE_SECRETS.has(value);
}

/** The values of an `owner:value,owner:value` list, with their owners. */
function pairs(raw: string): Array<[string, string]> {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const i = entry.indexOf(':');
      return i > 0 ? [entry.slice(0, i).trim(), entry.slice(i + 1).trim()] : ['', entry];
    });
}

/**
 * Production refuses secrets copied from a template: any secret setting that contains
 * CHANGE_ME/change-me or equals a known example, and API keys shorter than 24 characters
 * (SIGNING_SECRET's 32 is the schema's minimum everywhere). Problems name the setting and,
 * for key lists, the owner; never the value.
 */
export function placeholderSecretProblems(v: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const name of secretSettingNames()) {
    const raw = v[name];
    if (typeof raw !== 'string' || raw === '') continue;
    if (name === 'API_KEYS' || name === 'WEBHOOK_SECRETS') {
      for (const [owner, value] of pairs(raw)) {
        if (looksLikeExample(owner) || looksLikeExample(value)) {
          problems.push(`${name}: the entry of owner "${owner}" is a template placeholder (CHANGE_ME/change-me or a published example), refused when NODE_ENV=production; ${HOW_TO}`);
        } else if (name === 'API_KEYS' && value.length < MIN_PRODUCTION_API_KEY_LENGTH) {
          problems.push(`API_KEYS: the key of owner "${owner}" has ${value.length} characters; production needs at least ${MIN_PRODUCTION_API_KEY_LENGTH}; ${HOW_TO}`);
        }
      }
      continue;
    }
    if (looksLikeExample(raw)) {
      problems.push(`${name}: is a template placeholder (CHANGE_ME/change-me or a published example), refused when NODE_ENV=production; ${name === 'REDIS_URL' ? 'put the real password in the URL' : HOW_TO}`);
    }
  }
  return problems;
}
