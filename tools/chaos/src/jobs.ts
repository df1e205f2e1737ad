export { seededRandom } from '@vidgen/testing';
/**
 * A short job: low quality, one or two scenes of 1–2 s, MP4 only mostly; every
 * fifth also HLS, every fourth with subtitles, and (where the deployment has
 * espeak-ng) every sixth narrated.
 */
export function shortJob(i: number, random: () => number, narration: boolean): Record<string, unknown> {
  const scenes = 1 + Math.floor(random() * 2);
  return {
    topic: `Fault run ${i}`,
    quality: 'low',
    subtitles: i % 4 === 0,
    narration: narration && i % 6 === 3,
    formats: i % 5 === 0 ? ['mp4', 'hls'] : ['mp4'],
    max_scene_concurrency: 1,
    scenes: Array.from({ length: scenes }, (_, s) => ({ title: `Part ${s + 1}`, text: `Job ${i}, scene ${s + 1}.`, duration_seconds: 1 + Math.floor(random() * 2) })),
  };
}

export type Submission = { ok: true; jobId: string; at: number } | { ok: false; status: number; at: number };

/** POSTs a job to the API; an answer other than 202 (503 while Redis is away) is returned, not thrown. */
export async function submit(apiUrl: string, configuration: Record<string, unknown>, callbackUrl: string | null): Promise<Submission> {
  const at = Date.now();
  try {
    const res = await fetch(`${apiUrl}/api/v1/videos/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ configuration, ...(callbackUrl ? { callback_url: callbackUrl } : {}) }),
    });
    const body = (await res.json().catch(() => ({}))) as { job_id?: string };
    if (res.status === 202 && body.job_id) return { ok: true, jobId: body.job_id, at };
    return { ok: false, status: res.status, at };
  } catch {
    return { ok: false, status: 0, at };
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
