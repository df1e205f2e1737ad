import { musicLoudnessLufs, musicSourceFilter, type MusicPreset } from './music';

/** The mix's sample rate (what AAC in MP4 and HLS players expect). */
export const MIX_SAMPLE_RATE = 48000;
/** The loudness standard of the final mix (EBU R128 / streaming practice for speech). */
export const TARGET_LUFS = -16;
/** The true-peak ceiling, under the required -1.5 dBTP by a margin for AAC encoding. */
export const TARGET_TRUE_PEAK_DB = -2;
/** Where the limiter holds sample peaks when the gain would cross the ceiling: inter-sample peaks of speech at 48 kHz stay within 0.5 dB above. */
const LIMITER_DB = TARGET_TRUE_PEAK_DB - 0.5;
/** Default music volume: a bed about 12 dB under the voice before ducking. */
export const DEFAULT_MUSIC_VOLUME = 0.25;

/** One speech clip (a WAV of any rate) placed at a start time of the video. */
export interface SpeechPlacement {
  file: string;
  startSeconds: number;
}

export interface MusicSpec {
  preset: MusicPreset;
  /** 0..1, relative to the voice's loudness (1: as loud as the voice before ducking). */
  volume?: number;
}

/** One audio track for the whole video. */
export interface AudioPlan {
  /** The video's length: the track has exactly this many seconds (to the sample). */
  durationSeconds: number;
  /** Sorted by start, not overlapping (a clip running into the next one is cut at the next one's start). */
  speech: readonly SpeechPlacement[];
  music?: MusicSpec;
}

/** What ffmpeg's ebur128 filter measured (its summary). */
export interface LoudnessMeasurement {
  /** Integrated loudness, LUFS (-70 for silence: ebur128's floor). */
  integratedLufs: number;
  /** True peak (4x oversampled), dBTP; -Infinity for digital silence. */
  truePeakDb: number;
  /** Loudness range, LU. */
  lra: number;
}

/**
 * ebur128 (EBU R128 meter) with true peak, its per-frame lines sent to the
 * verbose log level so stderr holds the summary only. A tenth of the cost of
 * loudnorm, which resamples everything to 192 kHz; the gain is then one
 * volume filter.
 */
const METER = 'ebur128=peak=true:framelog=verbose';

export function planSamples(plan: Pick<AudioPlan, 'durationSeconds'>): number {
  return Math.round(plan.durationSeconds * MIX_SAMPLE_RATE);
}

/** Checks the plan's numbers (they come from our planner, but a bad one would make a bad graph). Throws on a bad plan. */
export function checkAudioPlan(plan: AudioPlan): void {
  if (!(Number.isFinite(plan.durationSeconds) && plan.durationSeconds > 0)) throw new Error('audio plan: durationSeconds must be > 0');
  let last = -Infinity;
  for (const s of plan.speech) {
    if (!(Number.isFinite(s.startSeconds) && s.startSeconds >= 0 && s.startSeconds < plan.durationSeconds)) throw new Error(`audio plan: speech start ${s.startSeconds} outside the video`);
    if (s.startSeconds < last) throw new Error('audio plan: speech clips must be sorted by start');
    last = s.startSeconds;
  }
  const volume = plan.music?.volume;
  if (volume !== undefined && !(volume >= 0 && volume <= 1)) throw new Error('audio plan: music volume must be within 0..1');
}

/**
 * The voice bus: each clip resampled to mono 48 kHz and padded to its slot
 * (up to the next clip's start, or the end), after a silence up to the first
 * start, all concatenated. Sample-exact placement, unlike adelay's whole
 * milliseconds, and no amix whose gain changes as inputs end. Clip i is input
 * `firstInput + i`. Ends in [voice]. Pure.
 */
export function voiceBusFilter(plan: AudioPlan, firstInput = 0): string {
  const total = planSamples(plan);
  const starts = plan.speech.map((s) => Math.round(s.startSeconds * MIX_SAMPLE_RATE));
  const chains: string[] = [];
  const parts: string[] = [];
  if (starts.length === 0 || starts[0]! > 0) {
    chains.push(`anullsrc=r=${MIX_SAMPLE_RATE}:cl=mono,atrim=end_sample=${starts.length ? starts[0] : total}[lead]`);
    parts.push('[lead]');
  }
  starts.forEach((start, i) => {
    const slot = (i + 1 < starts.length ? starts[i + 1]! : total) - start;
    if (slot <= 0) return;
    chains.push(`[${firstInput + i}:a]aresample=${MIX_SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=mono,atrim=end_sample=${slot},apad=whole_len=${slot}[c${i}]`);
    parts.push(`[c${i}]`);
  });
  chains.push(`${parts.join('')}concat=n=${parts.length}:v=0:a=1[voice]`);
  return chains.join(';');
}

function inputArgs(plan: AudioPlan): string[] {
  return plan.speech.flatMap((s) => ['-i', s.file]);
}

/** Pass 1: the voice bus alone, measured (ebur128's summary on stderr). Pure. */
export function buildVoiceMeasureArgs(plan: AudioPlan): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    ...inputArgs(plan),
    '-filter_complex',
    `${voiceBusFilter(plan)};[voice]${METER}[vm]`,
    '-map',
    '[vm]',
    '-f',
    'null',
    '-',
  ];
}

/** Gain in dB as ffmpeg's volume filter takes it, rounded to 0.01 dB. */
function db(gain: number): string {
  return `${Math.round(gain * 100) / 100}dB`;
}

export interface PremixOptions {
  plan: AudioPlan;
  /** dB that bring the voice bus to the target loudness (from pass 1); 0 without speech. */
  voiceGainDb: number;
  /** The premix (32-bit float WAV: nothing clips before the final gain). */
  output: string;
  /** Test and debugging stems: the music bed before and after ducking, same gain. */
  stems?: { music?: string; duckedMusic?: string };
}

/**
 * Pass 2: voice (gained, lightly compressed, as narration usually is) plus
 * the music bed gained to its volume under the voice and ducked by the voice
 * through sidechaincompress; written as float and measured in the same run.
 * Pure.
 */
export function buildPremixArgs(options: PremixOptions): string[] {
  const { plan, voiceGainDb, output, stems = {} } = options;
  const samples = planSamples(plan);
  const chains = [voiceBusFilter(plan)];
  const preset = plan.music?.preset ?? 'none';
  // Narration compression: evens out words so the ducking and the loudness see a steady voice.
  chains.push(`[voice]volume=${db(voiceGainDb)},acompressor=threshold=0.1:ratio=3:attack=5:release=100[v]`);
  let mixOut = '[v]';
  const maps: string[] = [];
  if (preset !== 'none') {
    const volume = plan.music?.volume ?? DEFAULT_MUSIC_VOLUME;
    // Bed at (target + 20·log10(volume)) LUFS; volume 0 is silence, not -inf dB.
    const musicGain = volume > 0 ? TARGET_LUFS - musicLoudnessLufs(preset) + 20 * Math.log10(volume) : -120;
    const wantMusic = stems.music !== undefined;
    chains.push(`${musicSourceFilter(preset, { samples, sampleRate: MIX_SAMPLE_RATE })},aformat=sample_fmts=fltp:channel_layouts=mono,volume=${db(musicGain)}${wantMusic ? ',asplit[bed][bedstem]' : '[bed]'}`);
    chains.push('[v]asplit[vmix][vside]');
    // Ratio 10 above a low threshold: speech at the target loudness pulls the bed down by 10-15 dB; release keeps it down between words.
    const wantDucked = stems.duckedMusic !== undefined;
    chains.push(`[bed][vside]sidechaincompress=threshold=0.015:ratio=10:attack=15:release=450:makeup=1${wantDucked ? ',asplit[duck][duckstem]' : '[duck]'}`);
    // Both inputs are exactly `samples` long, so amix's 1/2 is constant; volume=2 undoes it.
    chains.push('[vmix][duck]amix=inputs=2:duration=first:dropout_transition=0,volume=2[premix]');
    mixOut = '[premix]';
    if (wantMusic) maps.push('-map', '[bedstem]', '-c:a', 'pcm_f32le', stems.music!);
    if (wantDucked) maps.push('-map', '[duckstem]', '-c:a', 'pcm_f32le', stems.duckedMusic!);
  }
  // Stereo before measuring: a mono-to-stereo matrix lowers each channel by 3 dB, and the peaks that count are the output's.
  chains.push(`${mixOut}aformat=channel_layouts=stereo,asplit[out][meas]`, `[meas]${METER}[measured]`);
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    ...inputArgs(plan),
    '-filter_complex',
    chains.join(';'),
    '-map',
    '[out]',
    '-c:a',
    'pcm_f32le',
    '-y',
    output,
    ...maps,
    '-map',
    '[measured]',
    '-f',
    'null',
    '-',
  ];
}

export interface FinalMixOptions {
  premix: string;
  /** From finalGain (and, after a limited pass, corrected by what that pass measured). */
  gainDb: number;
  limit: boolean;
  samples: number;
  output: string;
  /** pcm_s16le in WAV (default; the muxer encodes it once) or AAC in M4A. */
  codec?: 'pcm' | 'aac';
  /** Also measure the result (ebur128 summary on stderr): a limited pass checks what the limiter took. */
  measure?: boolean;
}

/** ebur128 reports silence as -70 LUFS (its absolute gate). */
export const SILENCE_LUFS = -70;

/** The gain to the target loudness, and whether the peaks then need the limiter. Silence gets no gain. Pure. */
export function finalGain(measured: LoudnessMeasurement): { gainDb: number; limit: boolean } {
  if (!(measured.integratedLufs > SILENCE_LUFS)) return { gainDb: 0, limit: false };
  const gainDb = TARGET_LUFS - measured.integratedLufs;
  return { gainDb, limit: measured.truePeakDb + gainDb > TARGET_TRUE_PEAK_DB };
}

/**
 * Pass 3: one gain for the whole track to the target loudness (what
 * loudnorm's linear mode does), a look-ahead limiter only when that gain
 * would put a peak over the ceiling, cut or padded to exactly `samples`.
 * Pure.
 */
export function buildFinalMixArgs(options: FinalMixOptions): string[] {
  const { premix, gainDb, limit, samples, output, codec = 'pcm', measure = false } = options;
  const filters = [`volume=${db(gainDb)}`];
  if (limit) filters.push(`alimiter=limit=${(10 ** (LIMITER_DB / 20)).toFixed(4)}:attack=2:release=60:level=false`);
  filters.push(`atrim=end_sample=${samples}`, `apad=whole_len=${samples}`, 'aformat=sample_fmts=s16');
  const encode = codec === 'aac' ? ['-c:a', 'aac', '-b:a', '160k'] : ['-c:a', 'pcm_s16le'];
  const head = ['-hide_banner', '-nostdin', '-nostats', '-i', premix];
  if (!measure) return [...head, '-af', filters.join(','), ...encode, '-y', output];
  return [...head, '-filter_complex', `[0:a]${filters.join(',')},asplit[out][meas];[meas]${METER}[measured]`, '-map', '[out]', ...encode, '-y', output, '-map', '[measured]', '-f', 'null', '-'];
}

/** The last ebur128 summary in ffmpeg's stderr; null when there is none. Pure. */
export function parseEbur128Summary(stderr: string): LoudnessMeasurement | null {
  const at = stderr.lastIndexOf('Summary:');
  if (at < 0) return null;
  const text = stderr.slice(at);
  const num = (re: RegExp) => {
    const m = re.exec(text);
    if (!m) return null;
    return m[1] === '-inf' ? -Infinity : Number(m[1]);
  };
  const integratedLufs = num(/I:\s+(-?[\d.]+|-inf) LUFS/);
  const lra = num(/LRA:\s+(-?[\d.]+) LU/);
  const truePeakDb = num(/Peak:\s+(-?[\d.]+|-inf) dBFS/);
  if (integratedLufs === null || lra === null || truePeakDb === null || Number.isNaN(integratedLufs) || Number.isNaN(truePeakDb)) return null;
  return { integratedLufs, truePeakDb, lra };
}
