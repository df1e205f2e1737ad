import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { VidgenError } from '@vidgen/core';
import {
  buildWav,
  chooseEngine,
  concatWavs,
  createSynthesizer,
  espeakSynthesizer,
  festivalSynthesizer,
  parseFestivalOutput,
  parseVoiceId,
  parseWav,
  probeVoices,
  soundBounds,
  splitSentences,
  spreadWords,
  ttsAvailable,
  workerVoices,
  type VoiceOffer,
} from '@vidgen/pipeline';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-voice-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Running, not a zombie (a killed orphan waits for this container's init to reap it). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function caught(p: Promise<unknown>): Promise<VidgenError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof VidgenError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('sentences and timings (pure)', () => {
  it('splits after sentence punctuation and at line breaks, keeping closing quotes', () => {
    expect(splitSentences('Hello world. "Is it?" she asked!  Yes…\nNew line; same sentence 3.5 units. -')).toEqual([
      'Hello world.',
      '"Is it?"',
      'she asked!',
      'Yes…',
      'New line; same sentence 3.5 units.',
    ]);
    expect(splitSentences(' \n ... \n')).toEqual([]);
  });

  it('spreads a sentence span over its words by length, end to end', () => {
    const words = spreadWords('a bbb', 1, 2);
    expect(words.map((w) => w.text)).toEqual(['a', 'bbb']);
    expect(words[0]).toEqual({ text: 'a', startSeconds: 1, endSeconds: 1 + 2 / 6 });
    expect(words[1]!.endSeconds).toBeCloseTo(2, 9);
  });

  it('parses Festival output: untimed tokens ride with a neighbour, sentences span their words', () => {
    const { words, sentences } = parseFestivalOutput([
      'P "',
      'T 0.1 0.4 Hello',
      'T 0.4 0.8 world.',
      'U 1.0',
      'T 1.2 1.5 It',
      'T 1.0 1.0 漢字',
      'P --',
      'T 1.5 2.0 costs',
      'U 2.2',
    ]);
    expect(words).toEqual([
      { text: '" Hello', startSeconds: 0.1, endSeconds: 0.4 },
      { text: 'world.', startSeconds: 0.4, endSeconds: 0.8 },
      { text: 'It 漢字 --', startSeconds: 1.2, endSeconds: 1.5 },
      { text: 'costs', startSeconds: 1.5, endSeconds: 2 },
    ]);
    expect(sentences).toEqual([
      { index: 0, text: '" Hello world.', startSeconds: 0.1, endSeconds: 0.8 },
      { index: 1, text: 'It 漢字 -- costs', startSeconds: 1.2, endSeconds: 2 },
    ]);
  });

  it('joins WAVs of one format and finds where sound starts and ends', () => {
    const format = { audioFormat: 1, channels: 1, sampleRate: 1000, bitsPerSample: 16 };
    const quiet = Buffer.alloc(200); // 100 samples of silence
    const loud = Buffer.alloc(200);
    for (let i = 0; i < 100; i += 1) loud.writeInt16LE(i % 2 ? 12000 : -12000, i * 2);
    const a = parseWav(buildWav(format, Buffer.concat([quiet, loud, quiet])));
    expect(soundBounds(a)).toEqual([0.1, 0.2]);
    expect(soundBounds(parseWav(buildWav(format, quiet)))).toEqual([0, 0]);
    const { wav, spans } = concatWavs([a, parseWav(buildWav(format, loud))]);
    expect(spans).toEqual([
      [0, 0.3],
      [0.3, 0.4],
    ]);
    expect(parseWav(wav).data.length).toBe(800);
    expect(() => concatWavs([a, parseWav(buildWav({ ...format, sampleRate: 2000 }, loud))])).toThrow(/format/);
  });

  it('chooses TTS_ENGINE when installed, else the best installed; parses voice ids', () => {
    const offers: VoiceOffer[] = [
      { id: 'espeak:en-us', engine: 'espeak', name: 'en-us' },
      { id: 'flite:slt', engine: 'flite', name: 'slt' },
    ];
    expect(chooseEngine(offers)).toBe('flite');
    expect(chooseEngine(offers, 'espeak')).toBe('espeak');
    expect(() => chooseEngine(offers, 'festival')).toThrow(expect.objectContaining({ code: 'TTS_UNAVAILABLE' }));
    expect(() => chooseEngine([])).toThrow(expect.objectContaining({ code: 'TTS_UNAVAILABLE' }));
    expect(parseVoiceId('festival:cmu_us_slt_arctic_hts')).toEqual({ engine: 'festival', name: 'cmu_us_slt_arctic_hts' });
    expect(parseVoiceId('festival:x)(quit')).toBeNull();
    expect(parseVoiceId('sapi:anna')).toBeNull();
    expect(() => festivalSynthesizer({ voice: 'x")(system "id' })).toThrow(/voice name/);
  });
});

describe('engines installed here', () => {
  it('probes the three engines with the HTS voice first', async () => {
    const voices = await probeVoices();
    expect(voices[0]).toEqual({ id: 'festival:cmu_us_slt_arctic_hts', engine: 'festival', name: 'cmu_us_slt_arctic_hts' });
    expect(voices.map((v) => v.id)).toEqual(expect.arrayContaining(['flite:slt', 'espeak:en-us']));
    expect(await probeVoices({ paths: { festival: '/nonexistent/festival', flite: '/nonexistent/flite', espeak: '/nonexistent/espeak' } })).toEqual([]);
    expect(await ttsAvailable()).toBe(true);
    // Each engine on its own (flite's --version exits 1: a readiness probe must not read that as missing).
    for (const engine of ['festival', 'flite', 'espeak'] as const) expect({ engine, runs: await ttsAvailable({ engine }) }).toEqual({ engine, runs: true });
    expect(await ttsAvailable({ engine: 'flite', paths: { flite: '/nonexistent/flite' } })).toBe(false);
    await expect(workerVoices({ engine: 'flite' })).resolves.toMatchObject({ engine: 'flite', defaultVoice: 'flite:slt' });
    await expect(workerVoices({ engine: 'flite', paths: { flite: '/nonexistent/flite' } })).rejects.toMatchObject({ code: 'TTS_UNAVAILABLE' });
  });

  it('Festival speaks hostile text from a file, as data, with a time span per written word', async () => {
    const marker = path.join(dir, 'pwned');
    const text = `Hello "world" (quit). This costs $5; really!\n(system "touch ${marker}") done.`;
    const textFile = path.join(dir, 'hostile.txt');
    await writeFile(textFile, text);
    const result = await createSynthesizer('festival').synthesize({ textFile, wavFile: path.join(dir, 'hostile.wav') });
    await expect(stat(marker)).rejects.toThrow();
    expect(result.timing).toBe('word');
    expect(result.words.map((w) => w.text).join(' ')).toBe(text.replace(/\s+/g, ' '));
    expect(result.sentences.length).toBeGreaterThanOrEqual(3);
    let last = 0;
    for (const w of result.words) {
      expect(w.startSeconds).toBeGreaterThanOrEqual(last - 1e-9);
      expect(w.endSeconds).toBeGreaterThan(w.startSeconds);
      last = w.endSeconds;
    }
    const wav = parseWav(await readFile(result.wavFile));
    expect(result.durationSeconds).toBeCloseTo(wav.data.length / (wav.format.sampleRate * 2), 6);
    expect(last).toBeLessThanOrEqual(result.durationSeconds);
    // The words are heard where Festival says: sound inside the first word, silence before it.
    const [on] = soundBounds(wav);
    expect(Math.abs(on - result.words[0]!.startSeconds)).toBeLessThan(0.1);
  });

  it.each(['flite', 'espeak'] as const)('%s speaks sentence by sentence; the sentence spans are where the sound is', async (engine) => {
    const textFile = path.join(dir, `${engine}.txt`);
    await writeFile(textFile, 'The first sentence is here. And a second one follows it.');
    const result = await createSynthesizer(engine).synthesize({ textFile, wavFile: path.join(dir, `${engine}.wav`) });
    expect(result.timing).toBe('sentence');
    expect(result.sentences.map((s) => s.text)).toEqual(['The first sentence is here.', 'And a second one follows it.']);
    expect(result.words).toHaveLength(11);
    const [a, b] = result.sentences;
    expect(a!.endSeconds).toBeLessThan(b!.startSeconds);
    // Between the sentences the WAV is quiet; inside them it is not.
    const wav = parseWav(await readFile(result.wavFile));
    const rate = wav.format.sampleRate * 2;
    const slice = (from: number, to: number) => ({ format: wav.format, data: wav.data.subarray(Math.round(from * rate) & ~1, Math.round(to * rate) & ~1) });
    expect(soundBounds(slice(a!.endSeconds + 0.02, b!.startSeconds - 0.02))).toEqual([0, 0]);
    expect(soundBounds(slice(b!.startSeconds, b!.endSeconds))[1]).toBeGreaterThan(0);
  });
});

describe('engine faults', () => {
  /** A stand-in engine: speaks the first sentence with espeak-ng, hangs (with a child) on the one containing HANG. */
  async function hangingEspeak(): Promise<string> {
    const script = path.join(dir, 'hanging-espeak.sh');
    await writeFile(
      script,
      ['#!/bin/sh', 'for a in "$@"; do last="$a"; done', 'if grep -q HANG "$last"; then sleep 30 & echo $! > "$last.pid"; wait; fi', 'exec espeak-ng "$@"', ''].join('\n'),
    );
    await chmod(script, 0o755);
    return script;
  }

  it('kills an engine hung on a sentence (and its children) after the time limit: retryable TTS_FAILED with the index', async () => {
    const textFile = path.join(dir, 'hang.txt');
    await writeFile(textFile, 'This one is fine. This one will HANG forever. Never reached.');
    const synth = espeakSynthesizer({ path: await hangingEspeak(), sentenceTimeoutMs: 1500 });
    const err = await caught(synth.synthesize({ textFile, wavFile: path.join(dir, 'hang.wav') }));
    expect(err).toMatchObject({ code: 'TTS_FAILED', retryable: true, details: { engine: 'espeak', sentence: 1, reason: 'timeout' } });
    const pid = Number(await readFile(path.join(dir, 'hang.wav.1.txt.pid'), 'utf8'));
    expect(await alive(pid)).toBe(false);
  });

  it('kills a Festival that stops between utterances: the sentence is the utterance it was on', async () => {
    const fake = path.join(dir, 'stalling-festival.sh');
    // The WAV path comes in VG_OUT; one utterance done, then a hang.
    await writeFile(fake, ['#!/bin/sh', 'echo "T 0.1 0.5 Hello."', 'echo "U 0.7"', 'sleep 30 & echo $! > "$VG_OUT.pid"', 'wait', ''].join('\n'));
    await chmod(fake, 0o755);
    const textFile = path.join(dir, 'stall.txt');
    await writeFile(textFile, 'Hello. World.');
    const err = await caught(festivalSynthesizer({ path: fake, sentenceTimeoutMs: 1500 }).synthesize({ textFile, wavFile: path.join(dir, 'stall.wav') }));
    expect(err).toMatchObject({ code: 'TTS_FAILED', retryable: true, details: { engine: 'festival', sentence: 1, reason: 'timeout' } });
    expect(await alive(Number(await readFile(path.join(dir, 'stall.wav.pid'), 'utf8')))).toBe(false);
  });

  it('an abort is the job being cancelled; a missing binary is TTS_UNAVAILABLE; a Scheme error is TTS_FAILED', async () => {
    const textFile = path.join(dir, 'plain.txt');
    await writeFile(textFile, 'Hello there.');
    const controller = new AbortController();
    const pending = caught(festivalSynthesizer().synthesize({ textFile, wavFile: path.join(dir, 'abort.wav'), signal: controller.signal }));
    controller.abort();
    expect((await pending).code).toBe('JOB_CANCELLED');
    expect((await caught(createSynthesizer('flite', { paths: { flite: '/nonexistent/flite' } }).synthesize({ textFile, wavFile: path.join(dir, 'x.wav') }))).code).toBe('TTS_UNAVAILABLE');
    expect(await caught(festivalSynthesizer({ voice: 'no_such_voice' }).synthesize({ textFile, wavFile: path.join(dir, 'y.wav') }))).toMatchObject({ code: 'TTS_FAILED', details: { engine: 'festival', sentence: 0 } });
  });
});
