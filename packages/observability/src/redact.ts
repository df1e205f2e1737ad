/** What a secret is replaced with, in every log line. */
export const REDACTED = '[redacted]';

/**
 * Key names whose values are secret, compared lowercased with `-` and `_`
 * removed: "X-Amz-Signature", "api_key" and "apiKey" all match. Exact names
 * plus suffixes, so `webhook_secret` and `session_token` are caught without
 * listing every field, while `token_ttl_seconds` is not.
 */
const SECRET_NAMES = new Set(['authorization', 'proxyauthorization', 'cookie', 'setcookie', 'credentials', 'credential', 'xamzcredential', 'accesskeyid', 'xamzsecuritytoken']);
const SECRET_SUFFIXES = ['secret', 'password', 'passwd', 'token', 'apikey', 'apikeys', 'signature', 'secretaccesskey', 'privatekey'];

// Log lines reuse a handful of key names (every field of every line is checked): remember the answers.
const secretKeys = new Map<string, boolean>();
const SECRET_KEY_CACHE_MAX = 2048;

export function isSecretKey(key: string): boolean {
  const known = secretKeys.get(key);
  if (known !== undefined) return known;
  const k = key.toLowerCase().replace(/[-_]/g, '');
  const secret = SECRET_NAMES.has(k) || SECRET_SUFFIXES.some((s) => k.endsWith(s));
  if (secretKeys.size >= SECRET_KEY_CACHE_MAX) secretKeys.clear();
  secretKeys.set(key, secret);
  return secret;
}

/**
 * Secrets that travel inside strings: presigned-URL query parameters
 * (the signature, the credential naming the access key, a session token),
 * any `token=`-like query value, Authorization schemes, and the password of
 * a URL's userinfo (redis://:pass@host). The parameter name stays visible so
 * a line still says what was there.
 */
//
// Every pattern runs in linear time on any input, because logs see hostile strings (request
// paths): each match starts at a fixed literal (`X-Amz-`, `[?&;]name=`, `Bearer`, `://`), and
// every quantifier before the last is bounded or cannot overlap what follows it. The userinfo
// pattern used to start with the scheme (`\b[a-z][a-z0-9+.-]*://`): on `/` + `a.` x 8000 every
// `a` is a word boundary where the scheme ran to the end and backtracked, 250 ms of CPU per
// request (issue 13). It now starts at `://`; the scheme is not needed to know a password.
const STRING_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b(X-Amz-(?:Signature|Credential|Security-Token))=[^&\s"'<>]*/gi, `$1=${REDACTED}`],
  [/([?&;](?:token|access_token|refresh_token|id_token|api_key|apikey|key|sig|signature|secret|password)=)[^&\s"'<>#]*/gi, `$1${REDACTED}`],
  [/\b(Bearer|Basic)\s{1,16}[A-Za-z0-9._~+/=-]{4,}/g, `$1 ${REDACTED}`],
  [/(:\/\/[^\s:/@"']{0,256}):[^\s@/"']{1,1024}@/g, `$1:${REDACTED}@`],
];

/** Longest request path a log line carries: enough for any real route, and a bound on what a hostile one costs to log. */
export const MAX_LOGGED_PATH = 512;

/** The path of a request URL (no query string), cut to MAX_LOGGED_PATH characters with a marker. */
export function loggedPath(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…[${path.length} chars]` : path;
}

/**
 * What every pattern above needs to match: `=` (the first two), `Bearer` or `Basic` (the third,
 * case-sensitive like it), `@` (the last). Most logged strings (messages, methods, paths, ids)
 * have none of them and skip the four replaces: one scan instead of four, per string per line.
 */
const MAY_HOLD_SECRET = /[=@]|Bearer|Basic/;

export function redactString(value: string): string {
  if (!MAY_HOLD_SECRET.test(value)) return value;
  let out = value;
  for (const [pattern, replacement] of STRING_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 8;

/**
 * A copy of `value` with secrets replaced, at any depth: values under
 * secret-looking keys, and secrets embedded in strings. Errors become plain
 * objects (their message and stack are strings that may carry a URL).
 * Never mutates its input: log metadata is often a live object.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (depth >= MAX_DEPTH) return '[truncated]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const source: Record<string, unknown> =
    value instanceof Error ? { name: value.name, message: value.message, stack: value.stack, ...(value as unknown as Record<string, unknown>) } : (value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source)) out[k] = isSecretKey(k) ? REDACTED : redact(v, depth + 1);
  return out;
}
