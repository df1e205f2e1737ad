import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@vidgen/core';

const MANIFEST = 'manifest.json';
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** What the cache keeps: plain data whose outputs name local files (the worker's PreparedDelivery). */
export interface CachedDelivery {
  outputs: ReadonlyArray<{ filePath: string }>;
}

interface Manifest<P extends CachedDelivery> {
  /** 2: outputs are OutputRecords with thumbnail times and the I-frame flag; a version-1 entry is a miss. */
  version: 2;
  job_id: string;
  stored_at: number;
  /** File paths relative to the entry. */
  prepared: P;
}

export interface ArtifactCacheOptions {
  dir: string;
  ttlMs: number;
  logger: Logger;
  now?: () => number;
}

/** Moves a file; a copy when the cache is on another file system. */
async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await copyFile(from, to);
    await rm(from, { force: true });
  }
}

/**
 * Rendered outputs of jobs whose upload failed, kept on local disk for
 * `ttlMs` (ARTIFACT_CACHE_DIR, ARTIFACT_CACHE_TTL_MS): the job's next attempt
 * on this machine uploads them without rendering again. One directory per job
 * with the files and a manifest (the PreparedDelivery with relative paths),
 * written under a temporary name and renamed, so an entry is whole or absent.
 * Anything unreadable, incomplete or expired counts as a miss.
 */
export class ArtifactCache<P extends CachedDelivery = CachedDelivery> {
  private readonly dir: string;
  private readonly ttlMs: number;
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(options: ArtifactCacheOptions) {
    this.dir = path.resolve(options.dir);
    this.ttlMs = options.ttlMs;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  private entry(jobId: string): string | null {
    return SAFE_ID.test(jobId) ? path.join(this.dir, jobId) : null;
  }

  /** Moves the prepared files into the cache (they leave the scratch dir). */
  async keep(jobId: string, prepared: P): Promise<boolean> {
    const entry = this.entry(jobId);
    if (!entry) return false;
    const tmp = path.join(this.dir, `.tmp-${jobId}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(tmp, { recursive: true });
      const outputs = [];
      for (const [i, o] of prepared.outputs.entries()) {
        const name = `${String(i).padStart(5, '0')}${path.extname(o.filePath)}`;
        await move(o.filePath, path.join(tmp, name));
        outputs.push({ ...o, filePath: name });
      }
      const manifest: Manifest<P> = { version: 2, job_id: jobId, stored_at: this.now(), prepared: { ...prepared, outputs } };
      await writeFile(path.join(tmp, MANIFEST), JSON.stringify(manifest));
      await rm(entry, { recursive: true, force: true });
      await rename(tmp, entry);
      return true;
    } catch (err) {
      this.logger.warn('could not keep the rendered outputs in the artifact cache', { err: (err as Error).message });
      await rm(tmp, { recursive: true, force: true });
      return false;
    }
  }

  /** The cached outputs with absolute paths, or null on a miss. */
  async load(jobId: string): Promise<P | null> {
    const entry = this.entry(jobId);
    if (!entry) return null;
    let manifest: Manifest<P>;
    try {
      manifest = JSON.parse(await readFile(path.join(entry, MANIFEST), 'utf8')) as Manifest<P>;
    } catch {
      return null;
    }
    const fresh = manifest.version === 2 && manifest.job_id === jobId && this.now() - manifest.stored_at < this.ttlMs;
    const outputs = manifest.prepared.outputs.map((o) => ({ ...o, filePath: path.join(entry, path.basename(o.filePath)) }));
    const complete = fresh && (await Promise.all(outputs.map((o) => stat(o.filePath).then(() => true, () => false)))).every(Boolean);
    if (!complete) {
      await this.remove(jobId);
      return null;
    }
    return { ...manifest.prepared, outputs };
  }

  async remove(jobId: string): Promise<void> {
    const entry = this.entry(jobId);
    if (entry) await rm(entry, { recursive: true, force: true });
  }

  /** Sweeps now and then periodically (unref'd timer); returns the function that stops it. */
  startJanitor(intervalMs = Math.min(this.ttlMs, 10 * 60_000)): () => void {
    const run = () => void this.sweep().catch((err) => this.logger.warn('artifact cache sweep failed', { err: (err as Error).message }));
    run();
    const timer = setInterval(run, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The janitor: removes entries (and leftover temporary dirs) older than the TTL. */
  async sweep(): Promise<string[]> {
    const removed: string[] = [];
    const names = await readdir(this.dir).catch(() => [] as string[]);
    for (const name of names) {
      const s = await stat(path.join(this.dir, name)).catch(() => null);
      if (!s || this.now() - s.mtimeMs < this.ttlMs) continue;
      await rm(path.join(this.dir, name), { recursive: true, force: true });
      removed.push(name);
    }
    if (removed.length) this.logger.info('artifact cache: removed expired entries', { entries: removed.length });
    return removed;
  }
}
