import type { Redis } from 'ioredis';

/**
 * Which narration voices the live workers offer. Each worker keeps one key
 * with a time to live and refreshes it on a heartbeat; a worker that dies
 * stops refreshing and its voices vanish when the key expires. A sorted set
 * indexes the worker ids (scored by expiry) so listing needs no SCAN, which
 * a Redis Cluster would have to run node by node.
 *
 *   <prefix>:voices:worker:<worker_id>   string (JSON WorkerVoices), PX = ttl
 *   <prefix>:voices:workers              sorted set: worker ids by expiry (ms)
 */
export function workerVoicesKey(prefix: string, workerId: string): string {
  return `${prefix}:voices:worker:${workerId}`;
}

export function voiceWorkersKey(prefix: string): string {
  return `${prefix}:voices:workers`;
}

/** A voice as workers announce it: `id` is `<engine>:<name>`, what configuration.voice names. */
export interface AnnouncedVoice {
  id: string;
  engine: string;
  name: string;
}

/** What one worker announces. */
export interface WorkerVoices {
  worker_id: string;
  /** The engine this worker narrates with by default (TTS_ENGINE, or the best installed). */
  engine: string;
  voices: AnnouncedVoice[];
  updated_at: string;
}

/** A voice at least one live worker offers, with how many do. */
export interface LiveVoice extends AnnouncedVoice {
  workers: number;
}

const ENGINE_ORDER = ['festival', 'flite', 'espeak'];

export interface VoiceHeartbeatOptions {
  redis: Redis;
  prefix: string;
  workerId: string;
  engine: string;
  voices: readonly AnnouncedVoice[];
  /** Lifetime of the announcement; a worker silent for this long is gone. */
  ttlMs?: number;
  /** Refresh period (default a third of ttlMs, so two refreshes may fail before the voices vanish). */
  intervalMs?: number;
  /** A failed refresh (Redis down): reported, retried on the next beat. */
  onError?: (err: unknown) => void;
}

export interface VoiceHeartbeat {
  /** Stops refreshing and withdraws the announcement at once (a clean shutdown). */
  stop(): Promise<void>;
}

/** Announces the worker's voices now (resolves once written) and keeps them alive until stop(). */
export async function startVoiceHeartbeat(options: VoiceHeartbeatOptions): Promise<VoiceHeartbeat> {
  const { redis, prefix, workerId, engine, voices, ttlMs = 30000, onError = () => undefined } = options;
  const intervalMs = options.intervalMs ?? Math.max(100, Math.floor(ttlMs / 3));
  const key = workerVoicesKey(prefix, workerId);
  const index = voiceWorkersKey(prefix);
  const beat = async () => {
    const value: WorkerVoices = { worker_id: workerId, engine, voices: [...voices], updated_at: new Date().toISOString() };
    await redis
      .multi()
      .set(key, JSON.stringify(value), 'PX', ttlMs)
      .zadd(index, Date.now() + ttlMs, workerId)
      .exec();
  };
  await beat();
  let stopped = false;
  const timer = setInterval(() => {
    if (!stopped) beat().catch(onError);
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await redis.multi().del(key).zrem(index, workerId).exec();
    },
  };
}

/** Every live worker's announcement. Index entries whose key expired are dropped on the way. */
export async function listWorkerVoices(redis: Redis, prefix: string): Promise<WorkerVoices[]> {
  const index = voiceWorkersKey(prefix);
  // Entries a little past their expiry may belong to a worker whose refresh is late: the key's TTL decides.
  await redis.zremrangebyscore(index, '-inf', Date.now() - 60000);
  const ids = await redis.zrange(index, 0, -1);
  if (ids.length === 0) return [];
  const values = await redis.mget(...ids.map((id) => workerVoicesKey(prefix, id)));
  const live: WorkerVoices[] = [];
  const gone: string[] = [];
  values.forEach((v, i) => {
    if (v === null) return gone.push(ids[i]!);
    try {
      live.push(JSON.parse(v) as WorkerVoices);
    } catch {
      gone.push(ids[i]!);
    }
  });
  if (gone.length > 0) await redis.zrem(index, ...gone);
  return live;
}

/**
 * The voices live workers offer (what GET /api/v1/capabilities lists and what
 * configuration.voice is checked against), best engine first, and the default
 * voice: the first voice of the best engine some worker narrates with.
 */
export async function listLiveVoices(redis: Redis, prefix: string): Promise<{ voices: LiveVoice[]; default_voice: string | null }> {
  const workers = await listWorkerVoices(redis, prefix);
  const byId = new Map<string, LiveVoice>();
  for (const w of workers) {
    for (const v of w.voices) {
      const seen = byId.get(v.id);
      if (seen) seen.workers += 1;
      else byId.set(v.id, { id: v.id, engine: v.engine, name: v.name, workers: 1 });
    }
  }
  const rank = (engine: string) => (ENGINE_ORDER.includes(engine) ? ENGINE_ORDER.indexOf(engine) : ENGINE_ORDER.length);
  // Stable sort: within an engine, the order workers announced (their default voice first).
  const voices = [...byId.values()].sort((a, b) => rank(a.engine) - rank(b.engine));
  const engines = workers.map((w) => w.engine).sort((a, b) => rank(a) - rank(b));
  const defaultEngine = engines[0];
  const default_voice = defaultEngine ? (workers.find((w) => w.engine === defaultEngine)?.voices.find((v) => v.engine === defaultEngine)?.id ?? null) : null;
  return { voices, default_voice };
}
