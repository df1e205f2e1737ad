import { VidgenError } from '@vidgen/core';
import { runTool } from '@vidgen/ffmpeg';
import { festivalSynthesizer, VOICE_NAME } from './festival';
import { espeakSynthesizer, fliteSynthesizer } from './sentence-engines';
import { TTS_ENGINES, type SpeechSynthesizer, type TtsEngine } from './types';

/** A voice a worker offers: `id` is what jobs name in configuration.voice. */
export interface VoiceOffer {
  id: string;
  engine: TtsEngine;
  /** The engine's own name of the voice. */
  name: string;
}

export interface EngineSetup {
  /** Binaries (default: the engine's name on PATH). */
  paths?: Partial<Record<TtsEngine, string>>;
  /** Per-sentence time limit of every engine. */
  sentenceTimeoutMs?: number;
}

/** Each engine's voice when a job names none. */
export const DEFAULT_VOICES: Readonly<Record<TtsEngine, string>> = { festival: 'cmu_us_slt_arctic_hts', flite: 'slt', espeak: 'en-us' };

const DEFAULT_PATHS: Readonly<Record<TtsEngine, string>> = { festival: 'festival', flite: 'flite', espeak: 'espeak-ng' };
/** espeak-ng has a hundred voices; these are the ones a narrated English explainer would pick. */
const ESPEAK_VOICES = ['en-us', 'en-gb'];
/** Of flite's built-in voices, the ones at 16 kHz (kal and awb_time are 8 kHz or domain-limited). */
const FLITE_VOICES = ['slt', 'rms', 'awb', 'kal16'];

function enginePath(engine: TtsEngine, setup: EngineSetup): string {
  return setup.paths?.[engine] ?? DEFAULT_PATHS[engine];
}

/** What each engine answers cheaply with exit code 0: flite's --version exits 1, its voice list (built in) exits 0. */
const RUNS_ARGS: Readonly<Record<TtsEngine, readonly string[]>> = { festival: ['--version'], flite: ['-lv'], espeak: ['--version'] };

/**
 * Whether the engine's binary runs (its version or built-in voice list, a
 * few milliseconds): cheap enough for a readiness probe, where listing
 * Festival's voices (it loads its Scheme library for that) would not fit
 * the probe's time limit under load.
 */
export async function engineRuns(engine: TtsEngine, setup: EngineSetup = {}): Promise<boolean> {
  const run = await runTool({ path: enginePath(engine, setup), args: [...RUNS_ARGS[engine]], timeoutMs: 5000 });
  return run.outcome === 'exited' && run.code === 0;
}

/** Asks an engine which voices it has; [] when it is not installed or has none we offer. Fixed arguments only. */
export async function probeEngineVoices(engine: TtsEngine, setup: EngineSetup = {}): Promise<string[]> {
  const path = enginePath(engine, setup);
  if (engine === 'festival') {
    const run = await runTool({ path, args: ['-b', '(print (voice.list))'], timeoutMs: 10000 });
    if (run.outcome !== 'exited' || run.code !== 0) return [];
    const m = /\(([^()]*)\)/.exec(run.stdout);
    const voices = (m?.[1] ?? '').split(/\s+/).filter((v) => VOICE_NAME.test(v));
    // The HTS voice first: it is the default, and the one worth installing Festival for.
    return voices.sort((a, b) => Number(b === DEFAULT_VOICES.festival) - Number(a === DEFAULT_VOICES.festival));
  }
  if (engine === 'flite') {
    const run = await runTool({ path, args: ['-lv'], timeoutMs: 10000 });
    if (run.outcome !== 'exited' || run.code !== 0) return [];
    const have = new Set(run.stdout.replace(/^.*?:/, '').split(/\s+/));
    return FLITE_VOICES.filter((v) => have.has(v));
  }
  const run = await runTool({ path, args: ['--voices=en'], timeoutMs: 10000 });
  if (run.outcome !== 'exited' || run.code !== 0) return [];
  const have = new Set(run.stdout.split('\n').map((l) => l.trim().split(/\s+/)[1]));
  return ESPEAK_VOICES.filter((v) => have.has(v));
}

/** Every voice of every installed engine, best engine first, each engine's default voice first. */
export async function probeVoices(setup: EngineSetup = {}): Promise<VoiceOffer[]> {
  const found = await Promise.all(TTS_ENGINES.map(async (engine) => ({ engine, voices: await probeEngineVoices(engine, setup) })));
  return found.flatMap(({ engine, voices }) => voices.map((name) => ({ id: `${engine}:${name}`, engine, name })));
}

/**
 * The engine a worker uses: the one TTS_ENGINE names (it must be installed),
 * or else the best installed (festival, flite, espeak). Pure, over what
 * probeVoices found. TTS_UNAVAILABLE when there is none.
 */
export function chooseEngine(offers: readonly VoiceOffer[], requested?: TtsEngine): TtsEngine {
  const installed = new Set(offers.map((o) => o.engine));
  if (requested) {
    if (installed.has(requested)) return requested;
    throw new VidgenError('TTS_UNAVAILABLE', { message: `TTS_ENGINE=${requested}, but ${requested} is not installed on this worker`, details: { engine: requested, installed: [...installed] } });
  }
  const best = TTS_ENGINES.find((e) => installed.has(e));
  if (!best) throw new VidgenError('TTS_UNAVAILABLE');
  return best;
}

/** Splits a voice id `<engine>:<name>`; null when it is not one. Pure. */
export function parseVoiceId(id: string): { engine: TtsEngine; name: string } | null {
  const m = /^([a-z]+):([A-Za-z0-9_-]{1,64})$/.exec(id);
  if (!m || !(TTS_ENGINES as readonly string[]).includes(m[1]!)) return null;
  return { engine: m[1] as TtsEngine, name: m[2]! };
}

/**
 * The synthesizer of one voice (`<engine>:<name>`, or an engine alone for its
 * default voice). The caller checks the voice against what the worker offers;
 * names reach the engines as single arguments, never as code.
 */
export function createSynthesizer(voice: string | TtsEngine, setup: EngineSetup = {}): SpeechSynthesizer {
  const parsed = (TTS_ENGINES as readonly string[]).includes(voice) ? { engine: voice as TtsEngine, name: DEFAULT_VOICES[voice as TtsEngine] } : parseVoiceId(voice);
  if (!parsed) throw new VidgenError('TTS_UNAVAILABLE', { message: `unknown voice ${JSON.stringify(voice)}` });
  const { engine, name } = parsed;
  const path = enginePath(engine, setup);
  const { sentenceTimeoutMs } = setup;
  if (engine === 'festival') return festivalSynthesizer({ path, voice: name, sentenceTimeoutMs });
  if (engine === 'flite') return fliteSynthesizer({ path, voice: name, sentenceTimeoutMs });
  return espeakSynthesizer({ path, voice: name, sentenceTimeoutMs });
}

/**
 * What a worker announces (startVoiceHeartbeat in @vidgen/queue): every voice
 * of every installed engine (a job may name any of them) and the engine it
 * narrates with when the job names no voice. TTS_UNAVAILABLE when TTS_ENGINE
 * names an engine that is not installed, or none is.
 */
export async function workerVoices(options: EngineSetup & { engine?: TtsEngine } = {}): Promise<{ engine: TtsEngine; defaultVoice: string; voices: VoiceOffer[] }> {
  const voices = await probeVoices(options);
  const engine = chooseEngine(voices, options.engine);
  return { engine, defaultVoice: voices.find((v) => v.engine === engine)!.id, voices };
}
