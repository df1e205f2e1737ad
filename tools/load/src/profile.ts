import { readFile } from 'node:fs/promises';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  /** Share of the busy samples (idle excluded), percent. */
  self_pct: number;
}

export interface ProfileSummary {
  busy_samples: number;
  /** Functions by self time. */
  functions: ProfileEntry[];
  /** Self time by where the code lives: a package of ours, an npm package, node's own code, GC. */
  areas: ProfileEntry[];
  /**
   * The same, with node's own code and native frames (socket writes, hashing, buffer conversions) counted to
   * their nearest caller in a package: in `areas` they are a third or more of an API profile, owned by nobody.
   */
  callers: ProfileEntry[];
}

/** Areas that run on behalf of a caller: node's own JavaScript and native frames. */
const BORROWED = new Set(['node:internal', '(native)']);

/** Where a frame's code lives: `@vidgen/<pkg>`, an npm package name, `node:internal`, or a V8 pseudo-frame such as (garbage collector). */
export function areaOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const ours = /\/(apps|packages|tools)\/([^/]+)\//.exec(url);
  if (ours) return `@vidgen/${ours[2]}`;
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) return url.slice(modules + '/node_modules/'.length);
  const ours = /\/((?:apps|packages|tools)\/.*)$/.exec(url);
  return ours ? ours[1]! : url.replace(/^file:\/\//, '');
}

const top = (m: Map<string, number>, total: number, n: number): ProfileEntry[] =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, hits]) => ({ name, self_pct: Math.round((hits / total) * 1000) / 10 }));

/** Self-time shares of a `node --cpu-prof` profile (a share, so profiles taken under contention compare). */
export function summarizeProfile(profile: CpuProfile, n = 15): ProfileSummary {
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const byCaller = new Map<string, number>();
  const parent = new Map<number, CpuProfileNode>();
  const areaOfNode = (node: CpuProfileNode) => areaOf(node.callFrame.url, node.callFrame.functionName);
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (hits === 0 || functionName === '(idle)') continue;
    busy += hits;
    const name = url ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}` : functionName || '(anonymous)';
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
    const area = areaOf(url, functionName);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
    let caller: CpuProfileNode | undefined = node;
    while (caller && BORROWED.has(areaOfNode(caller))) caller = parent.get(caller.id);
    // Reached the root without a package on the way (timers, the event loop itself): the frame keeps its own area.
    const callerArea = caller && caller.callFrame.functionName !== '(root)' ? areaOfNode(caller) : area;
    byCaller.set(callerArea, (byCaller.get(callerArea) ?? 0) + hits);
  }
  return { busy_samples: busy, functions: top(byFunction, busy, n), areas: top(byArea, busy, n), callers: top(byCaller, busy, n) };
}

export async function summarizeProfileFile(file: string, n?: number): Promise<ProfileSummary> {
  return summarizeProfile(JSON.parse(await readFile(file, 'utf8')) as CpuProfile, n);
}
