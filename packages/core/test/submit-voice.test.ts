import { VidgenError, namesVoice, plannedSceneLengths, validateGenerateRequest, type SubmitPolicy } from '@vidgen/core';

// validateGenerateRequest with the voice fields (issue 14): the deployment's narration switch and
// default, the live voices, and narration in the length bound.

const VOICES = ['festival:cmu_us_slt_arctic_hts', 'flite:slt', 'espeak:en-us'];
const on: SubmitPolicy = { allowUltra: false, narrationEnabled: true, narrationDefault: false, liveVoices: VOICES };
const off: SubmitPolicy = { allowUltra: false, narrationEnabled: false };

function refusal(body: unknown, policy: SubmitPolicy): VidgenError {
  try {
    validateGenerateRequest(body, policy);
  } catch (err) {
    if (err instanceof VidgenError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('narration default (NARRATION_DEFAULT)', () => {
  it('writes what runs into the configuration: the default when the job does not say, its own choice when it does', () => {
    expect(validateGenerateRequest({ configuration: { topic: 'T' } }, on).configuration.narration).toBe(false);
    expect(validateGenerateRequest({ configuration: { topic: 'T' } }, { ...on, narrationDefault: true }).configuration.narration).toBe(true);
    expect(validateGenerateRequest({ configuration: { topic: 'T', narration: false } }, { ...on, narrationDefault: true }).configuration.narration).toBe(false);
    // A default the deployment cannot honour is never applied (config refuses that combination at boot anyway).
    expect(validateGenerateRequest({ configuration: { topic: 'T' } }, { ...off, narrationDefault: true }).configuration.narration).toBe(false);
  });
});

describe('subtitles by default', () => {
  it('are on for a narrated job (what is spoken) and off for a silent one; a job that says keeps its choice', () => {
    expect(validateGenerateRequest({ configuration: { topic: 'T' } }, { ...on, narrationDefault: true }).configuration.subtitles).toBe(true);
    expect(validateGenerateRequest({ configuration: { topic: 'T', narration: true } }, on).configuration.subtitles).toBe(true);
    expect(validateGenerateRequest({ configuration: { topic: 'T' } }, on).configuration.subtitles).toBe(false);
    expect(validateGenerateRequest({ configuration: { topic: 'T', subtitles: true } }, off).configuration.subtitles).toBe(true);
    expect(validateGenerateRequest({ configuration: { topic: 'T', narration: true, subtitles: false } }, on).configuration.subtitles).toBe(false);
  });
});

describe('narration where the deployment has none', () => {
  it('refuses narration, a voice and scene narration with 400 naming each field', () => {
    const err = refusal({ configuration: { topic: 'T', narration: true, voice: 'flite:slt', scenes: [{ text: 'a' }, { text: 'b', narration: 'say b' }] } }, off);
    expect(err.status).toBe(400);
    expect(err.code).toBe('VALIDATION_FAILED');
    expect((err.details as Array<{ field: string }>).map((d) => d.field)).toEqual(['configuration.narration', 'configuration.voice', 'configuration.scenes.1.narration']);
    expect((err.details as Array<{ message: string }>)[0]!.message).toMatch(/NARRATION_ENABLED=true/);
  });

  it('accepts narration: false and music, which needs no voice', () => {
    expect(validateGenerateRequest({ configuration: { topic: 'T', narration: false, music: { preset: 'calm' } } }, off).configuration).toMatchObject({ narration: false, music: { preset: 'calm' } });
  });
});

describe('voices', () => {
  it('accepts a live voice and refuses another with 400 listing the live ones', () => {
    expect(validateGenerateRequest({ configuration: { topic: 'T', narration: true, voice: 'flite:slt' } }, on).configuration.voice).toBe('flite:slt');
    const err = refusal({ configuration: { topic: 'T', narration: true, voice: 'flite:kal16' } }, on);
    expect(err.status).toBe(400);
    expect(err.details).toEqual([expect.objectContaining({ field: 'configuration.voice', type: 'any.only', allowed: VOICES })]);
  });

  it('refuses a voice that is not <engine>:<name> in the schema, pointing at the capabilities route', () => {
    const err = refusal({ configuration: { topic: 'T', narration: true, voice: 'sapi:anna' } }, on);
    expect(err.details).toEqual([expect.objectContaining({ field: 'configuration.voice', type: 'string.pattern.name', see: '/api/v1/capabilities' })]);
  });

  it('answers 503 (retryable) for a named voice while no worker announces any', () => {
    const err = refusal({ configuration: { topic: 'T', narration: true, voice: 'flite:slt' } }, { ...on, liveVoices: [] });
    expect(err).toMatchObject({ status: 503, code: 'VOICES_UNAVAILABLE', retryable: true });
  });

  it('refuses a voice on a job that is not narrated, and burned captions without narration', () => {
    const err = refusal({ configuration: { topic: 'T', voice: 'flite:slt', captions: 'burned' } }, on);
    expect((err.details as Array<{ field: string }>).map((d) => d.field)).toEqual(['configuration.voice', 'configuration.captions']);
  });

  it('namesVoice tells the API when to read the live voices', () => {
    expect(namesVoice({ configuration: { voice: 'x' } })).toBe(true);
    expect(namesVoice({ configuration: { topic: 'T' } })).toBe(false);
    expect(namesVoice(null)).toBe(false);
    expect(namesVoice({ configuration: 'x' })).toBe(false);
  });
});

describe('narration in the length bound', () => {
  it("counts a scene's narration instead of its visible text when the job is narrated", () => {
    const shown = 'x'.repeat(15);
    const said = 'y'.repeat(450); // 30 s at 15 characters a second
    const [withNarration] = plannedSceneLengths({ topic: 'T', narration: true, scenes: [{ text: shown, narration: said, duration_seconds: 2 }] });
    expect(withNarration!.speechSeconds).toBeCloseTo(30, 5);
    const [withoutNarration] = plannedSceneLengths({ topic: 'T', narration: true, scenes: [{ text: shown, duration_seconds: 2 }] });
    expect(withoutNarration!.speechSeconds).toBeCloseTo(1, 5);
    const [silent] = plannedSceneLengths({ topic: 'T', narration: false, scenes: [{ text: shown, duration_seconds: 2 }] });
    expect(silent!.speechSeconds).toBe(0);
  });

  it('refuses narration that passes MAX_VIDEO_SECONDS though the visible text is short, whether narration is asked for or comes by default', () => {
    const scenes = Array.from({ length: 3 }, () => ({ text: 'short', narration: 'z'.repeat(450), duration_seconds: 1 }));
    const err = refusal({ configuration: { topic: 'T', narration: true, scenes } }, { ...on, maxVideoSeconds: 60 });
    expect(err.details).toEqual([expect.objectContaining({ field: 'configuration.scenes', type: 'duration.max', limit: 60 })]);
    // The default turns narration on: the same bound applies to a job that did not say.
    const byDefault = refusal({ configuration: { topic: 'T', scenes } }, { ...on, narrationDefault: true, maxVideoSeconds: 60 });
    expect(byDefault.details).toEqual([expect.objectContaining({ type: 'duration.max' })]);
    const quiet = scenes.map(({ narration: _n, ...s }) => s);
    expect(validateGenerateRequest({ configuration: { topic: 'T', scenes: quiet } }, { ...on, maxVideoSeconds: 60 }).configuration.narration).toBe(false);
  });
});
