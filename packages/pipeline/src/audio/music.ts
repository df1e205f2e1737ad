/**
 * Music beds made by ffmpeg itself (aevalsrc): a few sine partials per chord
 * under a slow envelope, so no sample file and no licence is involved. Each
 * chord's envelope is zero at the chord change, so switching frequencies
 * never clicks. Deterministic: the same preset and length give the same
 * samples.
 */
export const MUSIC_PRESETS = ['none', 'calm', 'bright'] as const;
export type MusicPreset = (typeof MUSIC_PRESETS)[number];

interface PresetSpec {
  /** Seconds per chord. */
  chordSeconds: number;
  /** Each chord's partials in Hz, the same count per chord. */
  chords: number[][];
  /** Amplitude of each partial slot. */
  gains: number[];
  /** The envelope over one chord, of x = time in the chord ÷ chordSeconds (0..1), in ffmpeg's expression language. */
  envelope: (x: string) => string;
  /** Integrated loudness of the bed at volume 1 (measured with ffmpeg's loudnorm over 64 s: the mix gains the bed to its volume from it). */
  loudnessLufs: number;
}

const PRESETS: Record<Exclude<MusicPreset, 'none'>, PresetSpec> = {
  // A minor, F, C, G: a low pad swelling over eight seconds per chord.
  calm: {
    chordSeconds: 8,
    chords: [
      [110, 130.81, 164.81, 220],
      [87.31, 110, 130.81, 174.61],
      [130.81, 164.81, 196, 261.63],
      [98, 123.47, 146.83, 196],
    ],
    gains: [0.3, 0.16, 0.2, 0.12],
    envelope: (x) => `pow(sin(PI*${x}),2)`,
    loudnessLufs: -15.1,
  },
  // C, G, A minor, F an octave up: a plucked chord every half chord, quick attack and decay.
  bright: {
    chordSeconds: 4,
    chords: [
      [261.63, 329.63, 392, 523.25],
      [196, 246.94, 293.66, 392],
      [220, 261.63, 329.63, 440],
      [174.61, 220, 261.63, 349.23],
    ],
    gains: [0.26, 0.18, 0.18, 0.1],
    envelope: (x) => `min(1,mod(${x},0.5)*40)*exp(-5*mod(${x},0.5))*sin(PI*${x})`,
    loudnessLufs: -22.1,
  },
};

/** The sample rate the beds are computed at (their partials stay far below its Nyquist); the mix resamples. */
export const MUSIC_SAMPLE_RATE = 16000;

export function musicLoudnessLufs(preset: Exclude<MusicPreset, 'none'>): number {
  return PRESETS[preset].loudnessLufs;
}

/** The aevalsrc expression of a preset (a constant of ours: no user text ever reaches it). Pure. */
export function musicExpression(preset: Exclude<MusicPreset, 'none'>): string {
  const { chordSeconds, chords, gains, envelope } = PRESETS[preset];
  const cycle = chordSeconds * chords.length;
  // ld(0): chord index; ld(1): position in the chord, 0..1.
  const index = `st(0,floor(mod(t,${cycle})/${chordSeconds}))`;
  const position = `st(1,mod(t,${chordSeconds})/${chordSeconds})`;
  const partial = (slot: number) => {
    const freq = chords.reduceRight<string>((rest, chord, k) => (k === chords.length - 1 ? String(chord[slot]) : `if(eq(ld(0),${k}),${chord[slot]},${rest})`), '');
    return `${gains[slot]}*sin(2*PI*${freq}*t)`;
  };
  const sum = gains.map((_, slot) => partial(slot)).join('+');
  return `${index};${position};${envelope('ld(1)')}*(${sum})`;
}

/**
 * The filter that makes a bed of exactly `samples` samples at `sampleRate`
 * (the source runs a little longer and is cut to the sample).
 */
export function musicSourceFilter(preset: Exclude<MusicPreset, 'none'>, options: { samples: number; sampleRate: number }): string {
  const { samples, sampleRate } = options;
  const seconds = Math.ceil(samples / sampleRate) + 1;
  return `aevalsrc='${musicExpression(preset)}':s=${MUSIC_SAMPLE_RATE}:d=${seconds},aresample=${sampleRate},atrim=end_sample=${samples}`;
}
