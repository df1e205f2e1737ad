/** The narration engines, best first: `TTS_ENGINE` picks one, unset means the best installed. */
export const TTS_ENGINES = ['festival', 'flite', 'espeak'] as const;
export type TtsEngine = (typeof TTS_ENGINES)[number];

/** One spoken word (as written in the text, punctuation included) and when it is heard, in seconds from the start of the WAV. */
export interface WordTiming {
  text: string;
  startSeconds: number;
  endSeconds: number;
}

/** One sentence (the engine's utterance for Festival) and its span in the WAV. */
export interface SentenceTiming {
  index: number;
  text: string;
  startSeconds: number;
  endSeconds: number;
}

export interface Synthesis {
  wavFile: string;
  durationSeconds: number;
  words: WordTiming[];
  sentences: SentenceTiming[];
  /**
   * 'word': word times come from the engine (Festival's utterance);
   * 'sentence': each sentence was synthesized on its own, so sentence spans
   * are exact and the words inside are spread by length (flite, espeak-ng).
   */
  timing: 'word' | 'sentence';
}

export interface SynthesizeOptions {
  /** The text to speak, as a file: text never travels in an argument or a script. */
  textFile: string;
  wavFile: string;
  signal?: AbortSignal;
}

/** Text-to-speech behind a small interface so engines can replace each other. */
export interface SpeechSynthesizer {
  readonly engine: TtsEngine;
  /** The voice id offered to jobs: `<engine>:<engine's voice name>`. */
  readonly voice: string;
  /** Speaks the text in `textFile` into `wavFile` (PCM WAV, mono). */
  synthesize(options: SynthesizeOptions): Promise<Synthesis>;
}
