import { ttsAvailable } from '@vidgen/pipeline';

type NarrationEnv = Partial<Record<'NARRATION_ENABLED' | 'NARRATION_DEFAULT', string>>;

/**
 * The narration settings `pnpm start` adds: narration allowed and on by
 * default when a narration engine (Festival, flite, espeak-ng) is installed
 * here, as compose and Kubernetes run it. An environment that sets
 * NARRATION_ENABLED keeps its own settings; one that sets NARRATION_DEFAULT
 * alone keeps that default. Without an engine nothing is added: jobs stay
 * silent rather than fail with TTS_UNAVAILABLE.
 */
export async function narrationSettings(env: NodeJS.ProcessEnv, hasEngine: () => Promise<boolean>): Promise<NarrationEnv> {
  if (env.NARRATION_ENABLED !== undefined || !(await hasEngine())) return {};
  return env.NARRATION_DEFAULT === undefined ? { NARRATION_ENABLED: 'true', NARRATION_DEFAULT: 'true' } : { NARRATION_ENABLED: 'true' };
}

/** Whether the engine TTS_ENGINE names (or any) runs on this machine: the worker's own check. */
export function engineInstalled(env: NodeJS.ProcessEnv): () => Promise<boolean> {
  const engine = env.TTS_ENGINE;
  return () => ttsAvailable(engine === 'festival' || engine === 'flite' || engine === 'espeak' ? { engine } : {});
}
