import { readFile, rm, writeFile } from 'node:fs/promises';
import { runTool } from '@vidgen/ffmpeg';
import { badOutput, engineFailure } from './failure';
import type { SentenceTiming, SpeechSynthesizer, Synthesis, WordTiming } from './types';
import { buildWav, bytesPerSecond, parseWav } from './wav-pcm';

/**
 * Our Festival script, run as `festival --heap <cells> -b <script>` with the
 * text file, the WAV file and the voice in VG_TEXT, VG_OUT and VG_VOICE (not
 * `--script`, which must come first and so leaves the heap at its default:
 * Festival's 10M-cell heap costs 0.16-0.4 s of system time and ~325 MB to
 * set up per process, a third of a short scene's synthesis). The text is read
 * by Festival's own tts_file from the file, so it never becomes Scheme
 * source; the voice name is checked against VOICE_NAME before it gets here.
 * Each utterance's waveform is appended to the WAV (as text2wave does), and its
 * tokens are printed with their time span:
 *   T <start s> <end s> <token as written>   a token that is spoken
 *   P <token as written>                      a token with no spoken word
 *   U <end s>                                 an utterance (sentence) ends
 * A token's span runs from its first word's start to its last word's end
 * (Festival's Word items under the token in the Token relation).
 */
export const FESTIVAL_SCRIPT = `(set! vg_text (getenv "VG_TEXT"))
(set! vg_out (getenv "VG_OUT"))
(eval (list (intern (string-append "voice_" (getenv "VG_VOICE")))))
(set! vg_fp (fopen vg_out "wb"))
(set! vg_samples 0)
(set! vg_last nil)
(define (vg_feat i name)
  (let ((v (item.feat i name)))
    (if (equal? v 0) "" v)))
(define (vg_words i)
  (if (item.daughters i)
      (let ((out nil) (d (item.daughter1 i)))
        (while d
          (set! out (append out (vg_words d)))
          (set! d (item.next d)))
        out)
      (if (item.relation i 'Word) (list i) nil)))
(define (vg_record utt)
  (let ((rate (get_param 'sample_rate (wave.info (utt.wave utt)) 16000))
        (n (get_param 'num_samples (wave.info (utt.wave utt)) 0))
        (tok (utt.relation.first utt 'Token)))
    (if (eq? vg_samples 0)
        (wave.save.header vg_fp (utt.wave utt) 'riff nil (list (list "numsamples" 0))))
    (while tok
      (let ((words (vg_words tok)))
        (if words
            (format t "T %f %f %s%s%s\\n"
                    (+ (/ vg_samples rate) (item.feat (item.relation (car words) 'Word) "word_start"))
                    (+ (/ vg_samples rate) (item.feat (item.relation (car (last words)) 'Word) "word_end"))
                    (vg_feat tok "prepunctuation") (item.name tok) (vg_feat tok "punc"))
            (format t "P %s%s%s\\n" (vg_feat tok "prepunctuation") (item.name tok) (vg_feat tok "punc"))))
      (set! tok (item.next tok)))
    (format t "U %f\\n" (/ (+ vg_samples n) rate))
    (set! vg_samples (+ vg_samples n))
    (wave.save.data.fp (utt.wave utt) vg_fp 'riff nil)
    (set! vg_last utt)))
(set! tts_hooks (list utt.synth vg_record))
(tts_file vg_text nil)
(fseek vg_fp 0 0)
(if vg_last (wave.save.header vg_fp (utt.wave vg_last) 'riff nil (list (list "numsamples" vg_samples))))
(fclose vg_fp)
`;

/**
 * Festival's Lisp heap, in cells. 1M runs out ("ran out of storage") on the heaviest scene we
 * accept (600 characters of digits, each a word); 2M passes it; 3M leaves room. Measured with
 * the HTS voice on a 600-character scene: 0.10 s system time and 130 MB, against 0.22 s and
 * 348 MB at Festival's default 10M, with byte-identical audio and timings.
 */
export const FESTIVAL_HEAP_CELLS = 3_000_000;

/** A Festival voice name: what `(voice_<name>)` accepts and /usr/share/festival/voices holds. */
export const VOICE_NAME = /^[a-z0-9_]{1,64}$/;

export interface FestivalOptions {
  /** The festival binary (default: festival on PATH). */
  path?: string;
  /** A Festival voice (default: the HTS voice cmu_us_slt_arctic_hts of festvox-us-slt-hts). */
  voice?: string;
  /** Festival finishing no sentence for this long is killed: TTS_FAILED with the sentence index. */
  sentenceTimeoutMs?: number;
}

/** Festival's output lines, parsed. Pure. */
export function parseFestivalOutput(lines: readonly string[]): { words: WordTiming[]; sentences: SentenceTiming[] } {
  const words: WordTiming[] = [];
  const sentences: SentenceTiming[] = [];
  let utterance: Array<{ text: string; start?: number; end?: number }> = [];
  let utteranceStart = 0;
  for (const line of lines) {
    if (line.startsWith('T ')) {
      const m = /^T (\S+) (\S+) (.*)$/.exec(line);
      if (!m) continue;
      const start = Number(m[1]);
      const end = Number(m[2]);
      // Characters Festival cannot say (non-Latin script) get an empty word at the utterance start: shown, not timed.
      if (Number.isFinite(start) && Number.isFinite(end) && end - start >= 0.01) utterance.push({ text: m[3]!, start, end });
      else utterance.push({ text: m[3]! });
    } else if (line.startsWith('P ')) {
      utterance.push({ text: line.slice(2) });
    } else if (line.startsWith('U ')) {
      const end = Number(line.slice(2));
      flushUtterance(utterance, { index: sentences.length, start: utteranceStart, end }, words, sentences);
      utterance = [];
      utteranceStart = end;
    }
  }
  return { words, sentences };
}

/** Untimed tokens ride with the timed word before them (or after them, at the start). */
function flushUtterance(tokens: Array<{ text: string; start?: number; end?: number }>, span: { index: number; start: number; end: number }, words: WordTiming[], sentences: SentenceTiming[]): void {
  const timed: WordTiming[] = [];
  let pending: string[] = [];
  for (const t of tokens) {
    if (t.start === undefined || t.end === undefined) {
      if (timed.length > 0) timed[timed.length - 1]!.text += ` ${t.text}`;
      else pending.push(t.text);
      continue;
    }
    timed.push({ text: [...pending, t.text].join(' '), startSeconds: t.start, endSeconds: t.end });
    pending = [];
  }
  if (timed.length === 0) return;
  words.push(...timed);
  sentences.push({
    index: span.index,
    text: timed.map((w) => w.text).join(' '),
    startSeconds: timed[0]!.startSeconds,
    endSeconds: timed[timed.length - 1]!.endSeconds,
  });
}

/**
 * Festival with a (by default HTS) voice, one process per synthesis, word
 * timings from the utterances. The time limit is per sentence: every
 * finished utterance restarts it, so a long narration is never cut while a
 * hung one is killed (with its whole process group) after sentenceTimeoutMs.
 */
export function festivalSynthesizer(options: FestivalOptions = {}): SpeechSynthesizer {
  const { path = 'festival', voice = 'cmu_us_slt_arctic_hts', sentenceTimeoutMs = 30000 } = options;
  if (!VOICE_NAME.test(voice)) throw new Error(`not a Festival voice name: ${voice}`);
  return {
    engine: 'festival',
    voice: `festival:${voice}`,
    async synthesize({ textFile, wavFile, signal }): Promise<Synthesis> {
      const script = `${wavFile}.scm`;
      await writeFile(script, FESTIVAL_SCRIPT);
      const lines: string[] = [];
      let utterances = 0;
      const stall = new AbortController();
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          timedOut = true;
          stall.abort();
        }, sentenceTimeoutMs);
      };
      const onAbort = () => stall.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) stall.abort();
      try {
        arm();
        const run = await runTool({
          path,
          args: ['--heap', String(FESTIVAL_HEAP_CELLS), '-b', script],
          env: { VG_TEXT: textFile, VG_OUT: wavFile, VG_VOICE: voice },
          signal: stall.signal,
          onStdoutLine: (line) => {
            lines.push(line);
            if (line.startsWith('U ')) {
              utterances += 1;
              arm();
            }
          },
        });
        const failure = engineFailure(run, { engine: 'festival', sentence: utterances, timeoutMs: sentenceTimeoutMs, timedOut });
        if (failure) throw failure;
        // Festival reports Scheme errors (an unknown voice, an unreadable file) on stderr and still exits 0.
        if (run.outcome === 'exited' && /SIOD ERROR/.test(run.stderrTail)) {
          throw engineFailure({ ...run, code: 1 }, { engine: 'festival', sentence: utterances, timeoutMs: sentenceTimeoutMs });
        }
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        await rm(script, { force: true });
      }
      const { words, sentences } = parseFestivalOutput(lines);
      if (utterances === 0) {
        await writeFile(wavFile, buildWav({ audioFormat: 1, channels: 1, sampleRate: 16000, bitsPerSample: 16 }, Buffer.alloc(0)));
        return { wavFile, durationSeconds: 0, words: [], sentences: [], timing: 'word' };
      }
      let durationSeconds: number;
      try {
        const wav = parseWav(await readFile(wavFile));
        durationSeconds = wav.data.length / bytesPerSecond(wav.format);
      } catch (err) {
        throw badOutput('festival', Math.max(0, utterances - 1), err);
      }
      return { wavFile, durationSeconds, words, sentences, timing: 'word' };
    },
  };
}
