import Joi from 'joi';
import {
  checkVoiceFields,
  effectiveNarration,
  estimatedSpeechSeconds,
  NARRATION_LIMITS,
  sceneNarrationSchema,
  validate,
  voiceConfigurationKeys,
  voiceFieldProblems,
  VidgenError,
  type VoicePolicy,
} from '@vidgen/core';

// The pieces as the job schema composes them.
const schema = Joi.object({ ...voiceConfigurationKeys, narration: Joi.boolean(), scenes: Joi.array().items(Joi.object({ narration: sceneNarrationSchema })) });
const live: VoicePolicy = { narrationEnabled: true, narrationDefault: true, liveVoices: ['festival:cmu_us_slt_arctic_hts', 'flite:slt', 'espeak:en-us'] };

function fieldsOf(fn: () => unknown): Array<{ field: string; type: string; allowed?: readonly string[] }> {
  try {
    fn();
  } catch (err) {
    if (err instanceof VidgenError && err.code === 'VALIDATION_FAILED') return (err.details as Array<{ field: string; type: string; allowed?: string[] }>).map(({ field, type, allowed }) => (allowed ? { field, type, allowed } : { field, type }));
    throw err;
  }
  return [];
}

describe('voice, music, captions and scene narration: schema pieces', () => {
  it('accepts the documented shapes', () => {
    expect(
      validate(schema, { voice: 'festival:cmu_us_slt_arctic_hts', music: { preset: 'calm', volume: 0.3 }, captions: 'burned', scenes: [{ narration: '  Say this.  ' }] }),
    ).toEqual({ voice: 'festival:cmu_us_slt_arctic_hts', music: { preset: 'calm', volume: 0.3 }, captions: 'burned', scenes: [{ narration: 'Say this.' }] });
    expect(validate(schema, { music: { preset: 'none' } })).toEqual({ music: { preset: 'none' } });
  });

  it.each<[object, string, string, string[]?]>([
    [{ voice: 'festival' } as object, 'voice', 'string.pattern.name'],
    [{ voice: 'festival:x")(quit' }, 'voice', 'string.pattern.name'],
    [{ voice: 'sapi:anna' }, 'voice', 'string.pattern.name'],
    [{ music: { preset: 'loud' } }, 'music.preset', 'any.only', ['none', 'calm', 'bright']],
    [{ music: { volume: 0.5 } }, 'music.preset', 'any.required'],
    [{ music: { preset: 'calm', volume: 1.5 } }, 'music.volume', 'number.max'],
    [{ music: { preset: 'calm', volume: -0.1 } }, 'music.volume', 'number.min'],
    [{ music: { preset: 'calm', tempo: 3 } }, 'music.tempo', 'object.unknown'],
    [{ captions: 'open' }, 'captions', 'any.only', ['burned', 'sidecar']],
    [{ scenes: [{ narration: '   ' }] }, 'scenes.0.narration', 'string.empty'],
    [{ scenes: [{ narration: '...' }] }, 'scenes.0.narration', 'string.pattern.name'],
    [{ scenes: [{ narration: 'bell\u0007' }] }, 'scenes.0.narration', 'string.pattern.name'],
    [{ scenes: [{ narration: 'x'.repeat(NARRATION_LIMITS.sceneChars + 1) }] }, 'scenes.0.narration', 'string.max'],
  ])('refuses case %# at %s, with the allowed values of an enum', (...[value, field, type, allowed]) => {
    expect(fieldsOf(() => validate(schema, value))).toEqual([allowed ? { field, type, allowed } : { field, type }]);
  });
});

describe('voice fields against the deployment and the live voices', () => {
  it('refuses an unknown voice with 400 listing the live voices', () => {
    expect(fieldsOf(() => checkVoiceFields({ voice: 'flite:kal' }, live))).toEqual([{ field: 'configuration.voice', type: 'any.only', allowed: live.liveVoices }]);
    expect(() => checkVoiceFields({ voice: 'flite:slt', narration: true }, live)).not.toThrow();
    const err = (() => {
      try {
        checkVoiceFields({ voice: 'flite:kal' }, live);
      } catch (e) {
        return e as VidgenError;
      }
      return null;
    })();
    expect(err?.status).toBe(400);
    expect((err?.details as Array<{ message: string }>)[0]!.message).toBe("'flite:kal' is not offered by any live worker; one of: festival:cmu_us_slt_arctic_hts, flite:slt, espeak:en-us");
  });

  it('refuses narration, a voice and scene narration where the deployment has none', () => {
    const off: VoicePolicy = { narrationEnabled: false, liveVoices: [] };
    expect(fieldsOf(() => checkVoiceFields({ narration: true, voice: 'flite:slt', scenes: [{}, { narration: 'Hi.' }] }, off)).map((p) => p.field)).toEqual([
      'configuration.narration',
      'configuration.voice',
      'configuration.scenes.1.narration',
    ]);
    expect(() => checkVoiceFields({ narration: false, scenes: [{}] }, off)).not.toThrow();
  });

  it('NARRATION_DEFAULT decides when the job does not say; burned captions need narration', () => {
    expect(effectiveNarration({}, live)).toBe(true);
    expect(effectiveNarration({}, { ...live, narrationDefault: false })).toBe(false);
    expect(effectiveNarration({ narration: false }, live)).toBe(false);
    expect(effectiveNarration({}, { narrationEnabled: false, narrationDefault: true })).toBe(false);
    expect(voiceFieldProblems({ captions: 'burned' }, live)).toEqual([]);
    expect(fieldsOf(() => checkVoiceFields({ narration: false, captions: 'burned', voice: 'flite:slt' }, live))).toEqual([
      { field: 'configuration.voice', type: 'any.invalid' },
      { field: 'configuration.captions', type: 'any.invalid', allowed: ['sidecar'] },
    ]);
  });

  it('bounds the narration of the whole job', () => {
    const scenes = Array.from({ length: 16 }, () => ({ narration: 'y'.repeat(NARRATION_LIMITS.sceneChars) }));
    expect(fieldsOf(() => checkVoiceFields({ narration: true, scenes }, live))).toEqual([{ field: 'configuration.scenes', type: 'narration.max' }]);
    expect(() => checkVoiceFields({ narration: true, scenes: scenes.slice(0, 15) }, live)).not.toThrow();
    expect(estimatedSpeechSeconds('  a  b ')).toBeCloseTo(3 / 15, 9);
  });

  it('answers 503, retryable, when a voice is named while no worker announces any', () => {
    expect(() => checkVoiceFields({ narration: true, voice: 'flite:slt' }, { narrationEnabled: true, liveVoices: [] })).toThrow(expect.objectContaining({ code: 'VOICES_UNAVAILABLE', status: 503, retryable: true }));
  });
});
