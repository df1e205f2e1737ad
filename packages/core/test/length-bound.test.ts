import { MAX_CONFIGURATION_TEXT_CHARS, VidgenError, assertTextBound, configurationTextChars, validateGenerateRequest } from '@vidgen/core';

const policy = { allowUltra: false };

describe('the text bound of one configuration', () => {
  it('counts every string of topic, context and scenes (titles, texts and any nested field)', () => {
    expect(configurationTextChars({ topic: 'abc', context: 'de' })).toBe(5);
    expect(configurationTextChars({ topic: 'a', scenes: [{ title: 'bc', text: 'def' }, { text: 'g', items: ['hi', 'jk'] } as never] })).toBe(11);
  });

  it('accepts exactly the limit and refuses one more, naming the limit', () => {
    // 20 scenes of 999 characters and a topic of the rest.
    const configuration = (total: number) => ({ topic: 't'.repeat(total - 20 * 999), scenes: Array.from({ length: 20 }, () => ({ text: 'x'.repeat(999), duration_seconds: 1 })) });
    expect(() => validateGenerateRequest({ configuration: configuration(MAX_CONFIGURATION_TEXT_CHARS) }, policy)).not.toThrow();
    try {
      validateGenerateRequest({ configuration: configuration(MAX_CONFIGURATION_TEXT_CHARS + 1) }, policy);
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(VidgenError);
      expect((err as VidgenError).code).toBe('VALIDATION_FAILED');
      expect((err as VidgenError).details).toEqual([expect.objectContaining({ field: 'configuration', type: 'text.max', limit: MAX_CONFIGURATION_TEXT_CHARS })]);
    }
  });

  it('refuses lone surrogates and accepts paired ones (emoji)', () => {
    expect(() => assertTextBound({ topic: 'ok 😀' })).not.toThrow();
    expect(() => assertTextBound({ topic: 'bad \ud800' })).toThrow(VidgenError);
    expect(() => assertTextBound({ topic: 't', scenes: [{ text: 'x\udc00' }] })).toThrow(expect.objectContaining({ details: [expect.objectContaining({ field: 'configuration.scenes', type: 'string.unicode' })] }));
  });
});
