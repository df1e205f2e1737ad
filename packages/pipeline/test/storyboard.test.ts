import {
  CHUNK_MAX_CHARS,
  CHUNK_MAX_WORDS,
  MIN_SCENE_SECONDS,
  VidgenError,
  chunkContext,
  countWords,
  planScenes,
  plannedDurationSeconds,
  readingSeconds,
  splitSentences,
  validateGenerateRequest,
} from '@vidgen/core';
import { builtinPlanner } from '../src';

describe('storyboard planner (pure)', () => {
  it('cuts one huge paragraph into readable chunks without losing words', () => {
    const words = Array.from({ length: 600 }, (_, i) => `word${i}`);
    const context = `${words.slice(0, 300).join(' ')}. ${words.slice(300).join(' ')}`;
    const chunks = chunkContext(context);
    expect(chunks.length).toBeGreaterThanOrEqual(15);
    for (const c of chunks) {
      expect(countWords(c)).toBeLessThanOrEqual(CHUNK_MAX_WORDS);
      expect([...c].length).toBeLessThanOrEqual(CHUNK_MAX_CHARS);
    }
    expect(chunks.join(' ').replace(/\./g, '').split(' ')).toEqual(words);
  });

  it('cuts an unspaced script (CJK) by characters and counts its reading time', () => {
    const sentence = '光合作用是植物利用光能把二氧化碳和水转化为有机物的过程';
    const context = Array.from({ length: 20 }, () => `${sentence}。`).join('');
    const chunks = chunkContext(context);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(countWords(c)).toBeLessThanOrEqual(CHUNK_MAX_WORDS);
    expect(chunks.join('')).toBe(context);
    expect(readingSeconds(sentence)).toBeGreaterThan(MIN_SCENE_SECONDS);
  });

  it('keeps Greek, Cyrillic and Arabic text intact and splits on their punctuation', () => {
    expect(splitSentences('Привет, мир. Как дела? Ελληνικά κείμενο. مرحبا بالعالم.')).toEqual(['Привет, мир.', 'Как дела?', 'Ελληνικά κείμενο.', 'مرحبا بالعالم.']);
  });

  it('plannedDurationSeconds sums the plan, and the builtin Planner returns the same plan', async () => {
    const input = { topic: 'T', scenes: [{ text: 'a', duration_seconds: 10 }, { text: 'b', duration_seconds: 20 }] };
    expect(plannedDurationSeconds(input)).toBe(30);
    expect((await builtinPlanner.plan(input)).scenes).toEqual(planScenes(input));
  });
});

describe('submit validation of the new configuration', () => {
  const policy = { allowUltra: false, narrationEnabled: false };
  const problems = (body: unknown, p = policy) => {
    try {
      validateGenerateRequest(body, p);
    } catch (err) {
      expect(err).toBeInstanceOf(VidgenError);
      return (err as VidgenError).details as Array<{ field: string }>;
    }
    return null;
  };

  it('accepts a storyboard with theme and applies defaults', () => {
    const req = validateGenerateRequest({ configuration: { topic: 'T', scenes: [{ text: 'x' }], theme: 'light', max_scene_concurrency: 3 } }, policy);
    expect(req.configuration).toMatchObject({ subtitles: false, narration: false, quality: 'medium', theme: 'light' });
  });

  it('rejects unknown fields, bad scenes, themes and concurrency', () => {
    expect(problems({ configuration: { topic: 'T', extra: 1 } })?.map((p) => p.field)).toEqual(['configuration.extra']);
    expect(problems({ configuration: { topic: 'T', scenes: [] } })?.[0]?.field).toBe('configuration.scenes');
    expect(problems({ configuration: { topic: 'T', scenes: [{ text: 'x', duration_seconds: 61 }] } })?.[0]?.field).toBe('configuration.scenes.0.duration_seconds');
    expect(problems({ configuration: { topic: 'T', scenes: [{ text: 'x'.repeat(1001) }] } })?.[0]?.field).toBe('configuration.scenes.0.text');
    expect(problems({ configuration: { topic: 'T', scenes: [{ text: 'x', colour: 'red' }] } })?.[0]?.field).toBe('configuration.scenes.0.colour');
    expect(problems({ configuration: { topic: 'T', theme: 'neon' } })?.[0]?.field).toBe('configuration.theme');
    expect(problems({ configuration: { topic: 'T', max_scene_concurrency: 9 } })?.[0]?.field).toBe('configuration.max_scene_concurrency');
    expect(problems({ configuration: { topic: 'T', scenes: Array.from({ length: 51 }, () => ({ text: 'x' })) } })?.[0]?.field).toBe('configuration.scenes');
  });

  it('rejects a plan longer than 10 minutes at submit', () => {
    const scenes = Array.from({ length: 11 }, () => ({ text: 'x', duration_seconds: 60 }));
    expect(problems({ configuration: { topic: 'T', scenes } })?.[0]?.field).toBe('configuration.scenes');
    expect(problems({ configuration: { topic: 'T', scenes: scenes.slice(1) } })).toBeNull();
  });

  it('accepts narration only where NARRATION_ENABLED is set', () => {
    expect(problems({ configuration: { topic: 'T', narration: true } })?.[0]?.field).toBe('configuration.narration');
    expect(problems({ configuration: { topic: 'T', narration: true } }, { allowUltra: false, narrationEnabled: true })).toBeNull();
  });
});
