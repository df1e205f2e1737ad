import { MAX_CONFIGURATION_TEXT_CHARS, VidgenError, assertRenderedLength, checkGenerateRequest, assertTextBound, configurationTextChars, plannedSceneLengths, plannedVideoSeconds, speechSecondsEstimate, validateGenerateRequest } from '@vidgen/core';

const policy = { allowUltra: false };

describe('the text bound of one configuration', () => {
  it('counts every string of topic, context and scenes (titles, texts and any nested field)', () => {
    expect(configurationTextChars({ topic: 'abc', context: 'de' })).toBe(5);
    expect(configurationTextChars({ topic: 'a', scenes: [{ title: 'bc', text: 'def' }, { text: 'g', items: ['hi', 'jk'] } as never] })).toBe(11);
  });

  it('accepts exactly the limit and refuses one more, naming the limit', () => {
    // 50 scenes (the most) of 399 characters (under the 400 per text) and a topic of the rest.
    const configuration = (total: number) => ({ topic: 't'.repeat(total - 50 * 399), scenes: Array.from({ length: 50 }, () => ({ text: 'x'.repeat(399), duration_seconds: 1 })) });
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

describe('the speech estimate and the rendered-length bound', () => {
  const narrated = { allowUltra: false, narrationEnabled: true };

  it('counts characters at 15 a second, digits twice', () => {
    expect(speechSecondsEstimate('a'.repeat(150))).toBe(10);
    expect(speechSecondsEstimate('1'.repeat(150))).toBe(20);
    expect(speechSecondsEstimate('')).toBe(0);
  });

  it('refuses a one-second narrated scene of 500 digits (a title and a text at their limits): its estimate passes the 60 s scene limit', () => {
    const body = { configuration: { topic: 'Digits', narration: true, scenes: [{ title: '7'.repeat(100), text: '7'.repeat(400), duration_seconds: 1 }] } };
    const err = (() => {
      try {
        validateGenerateRequest(body, narrated);
      } catch (e) {
        return e as VidgenError;
      }
      throw new Error('accepted');
    })();
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details).toEqual([expect.objectContaining({ field: 'configuration.scenes[0]', type: 'duration.max', limit: 60 })]);
    // Without narration the same scene is one second long and fine.
    expect(() => validateGenerateRequest({ configuration: { ...body.configuration, narration: false } }, narrated)).not.toThrow();
  });

  it('keeps the planned total with speech within MAX_VIDEO_SECONDS, and stretches scenes to their speech', () => {
    const scenes = Array.from({ length: 24 }, () => ({ text: 'x'.repeat(375), duration_seconds: 1 })); // 25 s of speech each
    const configuration = { topic: 't', quality: 'low' as const, narration: true, scenes };
    expect(plannedVideoSeconds(configuration)).toBeCloseTo(24 * 25.6, 5);
    expect(plannedVideoSeconds({ ...configuration, narration: false })).toBe(24);
    expect(() => validateGenerateRequest({ configuration }, narrated)).toThrow(VidgenError);
    expect(() => validateGenerateRequest({ configuration }, { ...narrated, maxVideoSeconds: 600 })).toThrow(VidgenError);
    expect(() => validateGenerateRequest({ configuration: { ...configuration, scenes: scenes.slice(0, 23) } }, narrated)).not.toThrow();
    expect(() => validateGenerateRequest({ configuration: { ...configuration, scenes: scenes.slice(0, 23) } }, { ...narrated, maxVideoSeconds: 500 })).toThrow(VidgenError);
  });

  it('hands back the planned length it checked (a submit plans once), with and without narration', () => {
    const scenes = Array.from({ length: 23 }, () => ({ text: 'x'.repeat(375), duration_seconds: 1 }));
    const configuration = { topic: 't', quality: 'low' as const, narration: true, scenes };
    const narratedCheck = checkGenerateRequest({ configuration }, narrated);
    expect(narratedCheck.plannedSeconds).toBe(plannedVideoSeconds(narratedCheck.request.configuration));
    expect(narratedCheck.plannedSeconds).toBeCloseTo(23 * 25.6, 5);
    const prose = checkGenerateRequest({ configuration: { topic: 'Tides', context: 'The moon pulls the oceans. Twice a day.' } }, policy);
    expect(prose.plannedSeconds).toBe(plannedVideoSeconds(prose.request.configuration));
    expect(prose.plannedSeconds).toBeGreaterThan(0);
  });

  it('estimates planner-made scenes from context too', () => {
    const lengths = plannedSceneLengths({ topic: 'Tides', context: 'The moon pulls the oceans.', narration: true });
    expect(lengths.map((l) => l.field)).toEqual(['configuration.context', 'configuration.context', 'configuration.context']);
    expect(lengths.every((l) => l.seconds >= l.plannedSeconds && l.speechSeconds > 0)).toBe(true);
  });

  it('the worker backstop throws VIDEO_TOO_LONG, permanent, only past the limit', () => {
    expect(() => assertRenderedLength([300, 300])).not.toThrow();
    expect(() => assertRenderedLength([300, 300.1])).toThrow(expect.objectContaining({ code: 'VIDEO_TOO_LONG', retryable: false }));
    expect(() => assertRenderedLength([20, 20], 30)).toThrow(expect.objectContaining({ details: { duration_seconds: 40, limit_seconds: 30, longest_scene_seconds: 20 } }));
  });
});
