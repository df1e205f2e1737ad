export interface CheckResult {
  status: 'ok' | 'error';
  required: boolean;
  latency_ms: number;
  error?: string;
}

export interface ReadinessReport {
  /** ok: all checks pass; degraded: only optional checks fail; unavailable: a required check fails. */
  status: 'ok' | 'degraded' | 'unavailable';
  failing: string[];
  checks: Record<string, CheckResult>;
}

export interface CheckDefinition {
  run: () => Promise<unknown>;
  /** A failing required check makes the process unready (503); an optional one only degrades it. */
  required: boolean;
}

export interface ReadinessOptions {
  cacheMs?: number;
  timeoutMs?: number;
}

/**
 * Runs named checks in parallel, each bounded by a timeout, and caches the
 * report for `cacheMs` so frequent probes can't overload the dependencies.
 */
export function createReadiness(checks: Record<string, CheckDefinition>, options: ReadinessOptions = {}): () => Promise<ReadinessReport> {
  const { cacheMs = 2000, timeoutMs = 2000 } = options;
  let cached: { at: number; value: Promise<ReadinessReport> } | null = null;

  const runOne = async ({ run, required }: CheckDefinition): Promise<CheckResult> => {
    const t = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        run(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return { status: 'ok', required, latency_ms: Date.now() - t };
    } catch (err) {
      return { status: 'error', required, latency_ms: Date.now() - t, error: String((err as Error)?.message ?? err).slice(0, 200) };
    } finally {
      clearTimeout(timer);
    }
  };

  return () => {
    if (cached && Date.now() - cached.at < cacheMs) return cached.value;
    const value = (async (): Promise<ReadinessReport> => {
      const entries = await Promise.all(Object.entries(checks).map(async ([name, def]) => [name, await runOne(def)] as const));
      const results = Object.fromEntries(entries);
      const failing = entries.filter(([, r]) => r.status !== 'ok').map(([n]) => n);
      const hardFail = entries.some(([, r]) => r.status !== 'ok' && r.required);
      return { status: hardFail ? 'unavailable' : failing.length ? 'degraded' : 'ok', failing, checks: results };
    })();
    cached = { at: Date.now(), value };
    return value;
  };
}
