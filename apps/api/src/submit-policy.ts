import { namesVoice, type SubmitPolicy } from '@vidgen/core';
import type { LiveVoice } from '@vidgen/queue';

/** The voices live workers announce (listLiveVoices over the API's Redis). */
export type LiveVoicesReader = () => Promise<{ voices: LiveVoice[]; default_voice: string | null }>;

/** What /generate and /plan check a body against: the deployment's settings and the live voices. */
export interface SubmitPolicyDeps {
  allowUltra: boolean;
  narrationEnabled: boolean;
  /** NARRATION_DEFAULT: narration for a job that does not say. */
  narrationDefault: boolean;
  /** MAX_VIDEO_SECONDS; default the core's. */
  maxVideoSeconds?: number;
  liveVoices: LiveVoicesReader;
}

/**
 * The submit policy for one body. The live voices are read from Redis only
 * when the body names a voice (and narration is allowed at all): most
 * submissions don't, and they cost no extra round trip.
 */
export async function submitPolicyFor(body: unknown, deps: SubmitPolicyDeps): Promise<SubmitPolicy> {
  const { allowUltra, narrationEnabled, narrationDefault, maxVideoSeconds } = deps;
  const liveVoices = narrationEnabled && namesVoice(body) ? (await deps.liveVoices()).voices.map((v) => v.id) : [];
  return { allowUltra, narrationEnabled, narrationDefault, maxVideoSeconds, liveVoices };
}
