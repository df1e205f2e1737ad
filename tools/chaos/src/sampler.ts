import { readFile, readdir } from 'node:fs/promises';
import { listProcesses } from '@vidgen/worker';

export interface ProcessSample {
  /** Seconds since the sampler started. */
  t: number;
  /** Jobs ended when the sample was taken (the x axis of growth). */
  ended: number;
  name: string;
  rssMb: number;
  heapMb: number | null;
  /** Memory of Buffers and other objects outside the JS heap. */
  externalMb: number | null;
  fds: number;
  children: number;
}

export interface Sampled {
  name: string;
  pid: number;
  /** The process's Prometheus text (prom-client's default metrics carry the heap); null: not scraped. */
  metrics: () => Promise<string | null>;
}

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kb / 1024) * 10) / 10;
}

function metricMb(text: string | null, name: string): number | null {
  const m = text ? new RegExp(`^vidgen_${name}(?:\\{[^}]*\\})? ([\\d.e+]+)`, 'm').exec(text) : null;
  return m ? Math.round((Number(m[1]) / 1048576) * 10) / 10 : null;
}

/** One sample of each process from /proc (RSS, open fds, direct children) and its /metrics (heap, external memory). */
export async function sampleProcesses(targets: readonly Sampled[], t: number, ended: number): Promise<ProcessSample[]> {
  const all = await listProcesses();
  return Promise.all(
    targets.map(async (p) => {
      const metrics = await p.metrics().catch(() => null);
      return {
        t,
        ended,
        name: p.name,
        rssMb: await rssMb(p.pid),
        heapMb: metricMb(metrics, 'nodejs_heap_size_used_bytes'),
        externalMb: metricMb(metrics, 'nodejs_external_memory_bytes'),
        fds: (await readdir(`/proc/${p.pid}/fd`).catch(() => [])).length,
        children: all.filter((c) => c.ppid === p.pid).length,
      };
    }),
  );
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : NaN;
};

export interface Growth {
  name: string;
  /** Median RSS over the samples taken at 20–30% of the jobs, and over the last 10%. */
  rssStartMb: number;
  rssEndMb: number;
  rssGrowthMb: number;
  heapStartMb: number | null;
  heapEndMb: number | null;
  /** Most fds and children while working at 20–30%, and once idle at the end. */
  fdsStart: number;
  fdsEnd: number;
  childrenEnd: number;
  peakRssMb: number;
}

/** Growth of one process over the last 80% of the jobs (the first 20% warm caches and pools up). */
export function growthOf(samples: readonly ProcessSample[], name: string, jobs: number, idle: ProcessSample): Growth {
  const mine = samples.filter((s) => s.name === name);
  const early = mine.filter((s) => s.ended >= jobs * 0.2 && s.ended <= jobs * 0.3);
  const late = mine.filter((s) => s.ended >= jobs * 0.9);
  const heap = (xs: ProcessSample[]) => {
    const h = xs.map((s) => s.heapMb).filter((x): x is number => x !== null);
    return h.length ? median(h) : null;
  };
  const rssStartMb = median(early.map((s) => s.rssMb));
  const rssEndMb = median(late.map((s) => s.rssMb));
  return {
    name,
    rssStartMb,
    rssEndMb,
    rssGrowthMb: Math.round((rssEndMb - rssStartMb) * 10) / 10,
    heapStartMb: heap(early),
    heapEndMb: heap(late),
    fdsStart: Math.max(0, ...early.map((s) => s.fds)),
    fdsEnd: idle.fds,
    childrenEnd: idle.children,
    peakRssMb: Math.max(0, ...mine.map((s) => s.rssMb)),
  };
}
