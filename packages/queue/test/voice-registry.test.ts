import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { deleteKeysWithPrefix, listLiveVoices, listWorkerVoices, startVoiceHeartbeat, voiceWorkersKey, workerVoicesKey, type VoiceHeartbeat } from '@vidgen/queue';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-voices-${randomBytes(4).toString('hex')}`;
let redis: Redis;
const beats: VoiceHeartbeat[] = [];

const festival = { id: 'festival:cmu_us_slt_arctic_hts', engine: 'festival', name: 'cmu_us_slt_arctic_hts' };
const flite = { id: 'flite:slt', engine: 'flite', name: 'slt' };
const espeak = { id: 'espeak:en-us', engine: 'espeak', name: 'en-us' };

/** Polls until the check passes or the deadline goes by; no fixed sleeps. */
async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  await Promise.all(beats.map((b) => b.stop()));
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('voice registry (real Redis)', () => {
  it('lists the union of live workers\' voices, best engine first, and the default voice', async () => {
    expect(await listLiveVoices(redis, `${prefix}:empty`)).toEqual({ voices: [], default_voice: null });
    beats.push(await startVoiceHeartbeat({ redis, prefix, workerId: 'w-espeak', engine: 'espeak', voices: [espeak] }));
    beats.push(await startVoiceHeartbeat({ redis, prefix, workerId: 'w-full', engine: 'festival', voices: [festival, flite, espeak] }));
    const live = await listLiveVoices(redis, prefix);
    expect(live).toEqual({
      voices: [
        { ...festival, workers: 1 },
        { ...flite, workers: 1 },
        { ...espeak, workers: 2 },
      ],
      default_voice: festival.id,
    });
    expect(await redis.pttl(workerVoicesKey(prefix, 'w-full'))).toBeGreaterThan(25000);
  });

  it('withdraws a stopped worker at once', async () => {
    const beat = await startVoiceHeartbeat({ redis, prefix: `${prefix}:stop`, workerId: 'w1', engine: 'flite', voices: [flite] });
    expect((await listLiveVoices(redis, `${prefix}:stop`)).voices.map((v) => v.id)).toEqual(['flite:slt']);
    await beat.stop();
    expect(await listLiveVoices(redis, `${prefix}:stop`)).toEqual({ voices: [], default_voice: null });
    expect(await redis.zcard(voiceWorkersKey(`${prefix}:stop`))).toBe(0);
  });

  it('keeps a beating worker past its TTL, and forgets a silent one when its key expires', async () => {
    const p = `${prefix}:ttl`;
    beats.push(await startVoiceHeartbeat({ redis, prefix: p, workerId: 'alive', engine: 'festival', voices: [festival], ttlMs: 600, intervalMs: 150 }));
    // A worker that died: announced once, never refreshed (its interval is far beyond its TTL).
    const dead = await startVoiceHeartbeat({ redis, prefix: p, workerId: 'dead', engine: 'flite', voices: [flite], ttlMs: 600, intervalMs: 60000 });
    beats.push(dead);
    expect((await listWorkerVoices(redis, p)).map((w) => w.worker_id).sort()).toEqual(['alive', 'dead']);
    const later = await eventually(
      () => listWorkerVoices(redis, p),
      (ws) => ws.length === 1,
    );
    expect(later.map((w) => w.worker_id)).toEqual(['alive']);
    expect(await redis.exists(workerVoicesKey(p, 'dead'))).toBe(0);
    // The listing dropped the dead worker from the index too.
    expect(await redis.zrange(voiceWorkersKey(p), 0, -1)).toEqual(['alive']);
    // Well past several TTLs the beating worker is still there.
    await new Promise((r) => setTimeout(r, 1300));
    expect((await listLiveVoices(redis, p)).voices.map((v) => v.id)).toEqual([festival.id]);
  });
});
