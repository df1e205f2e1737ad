import { envSchema } from './schema';

/** One setting as the schema describes it: the source of the docs, the templates' test and the redaction. */
export interface Setting {
  name: string;
  type: string;
  default?: unknown;
  /** Bounds and allowed values in words, e.g. "integer, 1–64" or "one of: json, pretty". */
  constraints: string;
  description: string;
  /** Marked `.meta({ secret: true })`: redacted when printed, kept in a Kubernetes Secret. */
  secret: boolean;
}

interface Rule {
  name: string;
  args?: { limit?: unknown; regex?: string; options?: { scheme?: string[] } };
}

interface KeyDescription {
  type: string;
  flags?: { default?: unknown; description?: string; only?: boolean };
  allow?: unknown[];
  rules?: Rule[];
  metas?: Array<Record<string, unknown>>;
}

function constraintsOf(d: KeyDescription): string {
  const parts: string[] = [];
  const rules = d.rules ?? [];
  const limit = (name: string) => rules.find((r) => r.name === name)?.args?.limit;
  if (rules.some((r) => r.name === 'integer')) parts.push('integer');
  const [min, max] = [limit('min'), limit('max')];
  const unit = d.type === 'string' ? ' characters' : '';
  if (min !== undefined && max !== undefined) parts.push(`${String(min)}–${String(max)}${unit}`);
  else if (min !== undefined) parts.push(`at least ${String(min)}${unit}`);
  else if (max !== undefined) parts.push(`at most ${String(max)}${unit}`);
  if (d.flags?.only && d.allow) parts.push(`one of: ${d.allow.map(String).join(', ')}`);
  const uri = rules.find((r) => r.name === 'uri');
  if (uri) parts.push(`URL (${(uri.args?.options?.scheme ?? []).join(', ')})`);
  const pattern = rules.find((r) => r.name === 'pattern');
  if (pattern?.args?.regex) parts.push(`pattern \`${pattern.args.regex}\``);
  if (rules.some((r) => r.name === 'hostname')) parts.push('host name or IP');
  if (d.type === 'boolean') parts.push('true/false (also 1/0, yes/no, on/off)');
  return parts.join('; ');
}

/** Every setting of the schema, in schema order, read from `envSchema.describe()` at run time. */
export function describeSettings(): Setting[] {
  const keys = (envSchema.describe() as { keys: Record<string, KeyDescription> }).keys;
  return Object.entries(keys).map(([name, d]) => ({
    name,
    type: d.type,
    ...(d.flags && 'default' in d.flags ? { default: d.flags.default } : {}),
    constraints: constraintsOf(d),
    description: d.flags?.description ?? '',
    secret: (d.metas ?? []).some((m) => m.secret === true),
  }));
}

export function settingNames(): string[] {
  return describeSettings().map((s) => s.name);
}

export function secretSettingNames(): string[] {
  return describeSettings()
    .filter((s) => s.secret)
    .map((s) => s.name);
}
