import autocannon from 'autocannon';

export interface CannonOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  /** Seconds; ignored when `amount` is set. */
  durationSeconds?: number;
  /** A fixed number of requests instead of a duration (submits on an "empty" queue must not fill it). */
  amount?: number;
}

/** One load run: the rate counts 2xx answers only; everything else is an invariant to report. */
export interface Measured {
  /** 2xx answers per second. */
  rps: number;
  p50_ms: number;
  p99_ms: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** The first non-2xx status codes seen, for the report (a broken invariant needs its cause). */
  statuses: Record<string, number>;
}

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

/** Runs autocannon in this process (keep-alive, no pipelining) and reduces its result. */
export async function cannon(options: CannonOptions): Promise<Measured> {
  const { url, method = 'GET', headers = {}, body, connections, durationSeconds = 10, amount } = options;
  const result = await autocannon({
    url,
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body,
    connections,
    pipelining: 1,
    timeout: 10,
    ...(amount === undefined ? { duration: durationSeconds } : { amount }),
  });
  const statuses: Record<string, number> = {};
  const codes = (result as unknown as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats ?? {};
  for (const [code, { count }] of Object.entries(codes)) if (!code.startsWith('2')) statuses[code] = count;
  const ok = result['2xx'];
  return {
    rps: round(ok / result.duration, 1),
    p50_ms: round(result.latency.p50),
    p99_ms: round(result.latency.p99),
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
  };
}

/** Broken invariants of a run (never a timing): connection errors, timeouts, non-2xx answers, nothing answered at all. */
export function brokenInvariants(name: string, m: Measured): string[] {
  const problems: string[] = [];
  if (m.ok === 0) problems.push(`${name}: no 2xx answer`);
  if (m.non2xx > 0) problems.push(`${name}: ${m.non2xx} non-2xx answers ${JSON.stringify(m.statuses)}`);
  if (m.errors > 0) problems.push(`${name}: ${m.errors} connection errors (${m.timeouts} timeouts)`);
  return problems;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const ratio = (a: number, b: number): number => (b > 0 ? round(a / b, 3) : NaN);
