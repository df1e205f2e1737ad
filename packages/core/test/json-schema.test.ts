import Joi from 'joi';
import { CLOSING_TEXT, LAYOUTS, LAYOUT_FIELDS, SCENE_LIMITS, fitToTarget, joiToJsonSchema, planScenes, scenePlanJsonSchema, validateGenerateRequest } from '@vidgen/core';

type Branch = { properties: Record<string, Record<string, unknown>>; required: string[]; additionalProperties: boolean };

describe('JSON Schema from the joi scene schema', () => {
  const plan = scenePlanJsonSchema() as { properties: { scenes: { maxItems: number; items: { anyOf: Branch[] } } } };
  const branches = plan.properties.scenes.items.anyOf;

  it('has one branch per layout with exactly its fields, the required ones required', () => {
    expect(branches.map((b) => b.properties.layout)).toEqual(LAYOUTS.map((l) => ({ const: l })));
    for (const [i, layout] of LAYOUTS.entries()) {
      const b = branches[i]!;
      const { required, optional } = LAYOUT_FIELDS[layout];
      expect(Object.keys(b.properties).sort()).toEqual(['layout', ...required, ...optional, 'duration_seconds', 'transition'].sort());
      expect(b.required).toEqual(['layout', ...required]);
      expect(b.additionalProperties).toBe(false);
    }
    expect(plan.properties.scenes.maxItems).toBe(SCENE_LIMITS.scenesMax);
  });

  it("carries the joi limits: lengths, counts, bounds, enums", () => {
    const bullets = branches[LAYOUTS.indexOf('bullets')]!.properties;
    expect(bullets.items).toEqual({ type: 'array', items: { type: 'string', minLength: 1, maxLength: SCENE_LIMITS.item }, minItems: 1, maxItems: SCENE_LIMITS.itemsMax });
    expect(bullets.title).toMatchObject({ type: 'string', maxLength: SCENE_LIMITS.title });
    const title = branches[LAYOUTS.indexOf('title')]!.properties;
    expect(title.title).toMatchObject({ type: 'string', minLength: 1, maxLength: SCENE_LIMITS.title });
    const chart = branches[LAYOUTS.indexOf('chart')]!.properties.chart as { properties: Record<string, unknown>; required: string[] };
    expect(chart.required).toEqual(['type', 'labels', 'values']);
    expect(chart.properties.type).toEqual({ enum: ['bar', 'column', 'line', 'pie'] });
    expect(chart.properties.values).toMatchObject({ type: 'array', items: { type: 'number', minimum: -SCENE_LIMITS.absNumberMax, maximum: SCENE_LIMITS.absNumberMax } });
  });

  it('maps the plain joi kinds', () => {
    expect(joiToJsonSchema(Joi.object({ n: Joi.number().integer().min(2).required(), b: Joi.boolean(), s: Joi.string().length(3) }))).toEqual({
      type: 'object',
      properties: { n: { type: 'integer', minimum: 2 }, b: { type: 'boolean' }, s: { type: 'string', minLength: 3, maxLength: 3 } },
      required: ['n'],
      additionalProperties: false,
    });
  });
});

describe('planner_hints', () => {
  const body = (hints: unknown) => ({ configuration: { topic: 'T', context: 'One sentence here. And another one there.', planner_hints: hints } });

  it('are validated field by field', () => {
    expect(() => validateGenerateRequest(body({ audience: 'kids', tone: 'warm', target_seconds: 60, language: 'de-CH' }), { allowUltra: false })).not.toThrow();
    for (const [hints, field] of [
      [{ language: 'not a tag!' }, 'configuration.planner_hints.language'],
      [{ target_seconds: 2 }, 'configuration.planner_hints.target_seconds'],
      [{ tone: 'a\u0000' }, 'configuration.planner_hints.tone'],
      [{ extra: 1 }, 'configuration.planner_hints.extra'],
    ] as const) {
      expect(() => validateGenerateRequest(body(hints), { allowUltra: false })).toThrow(expect.objectContaining({ details: [expect.objectContaining({ field })] }));
    }
  });

  it('target_seconds is bounded by MAX_VIDEO_SECONDS', () => {
    expect(() => validateGenerateRequest(body({ target_seconds: 120 }), { allowUltra: false, maxVideoSeconds: 60 })).toThrow(
      expect.objectContaining({ details: [expect.objectContaining({ field: 'configuration.planner_hints.target_seconds', limit: 60 })] }),
    );
  });

  it('the rules planner stretches or squeezes towards the target, within each scene’s bounds', () => {
    const input = { topic: 'Tides', context: 'The moon pulls the oceans. Two bulges follow it.\n\nMost coasts see two high tides a day.' };
    const natural = planScenes(input);
    const total = (s: typeof natural) => s.reduce((a, x) => a + x.durationSeconds, 0);
    const longer = planScenes({ ...input, planner_hints: { target_seconds: 60 } });
    expect(Math.abs(total(longer) - 60)).toBeLessThanOrEqual(longer.length * 0.5);
    const shorter = planScenes({ ...input, planner_hints: { target_seconds: 5 } });
    expect(total(shorter)).toBeLessThan(total(natural));
    expect(shorter.every((s) => s.durationSeconds >= 3)).toBe(true);
    expect(fitToTarget(natural, 10_000).every((s) => s.durationSeconds === SCENE_LIMITS.sceneSecondsMax)).toBe(true);
    expect(longer.map((s) => s.content)).toEqual(natural.map((s) => s.content));
  });

  it('the rules planner closes in the hinted language where it knows it', () => {
    const closing = (language?: string) => planScenes({ topic: 'T', planner_hints: language ? { language } : undefined }).at(-1)!.content.text;
    expect(closing()).toBe(CLOSING_TEXT);
    expect(closing('de-CH')).toBe('Danke fürs Zuschauen.');
    expect(closing('FR')).toBe('Merci de votre attention.');
    expect(closing('ja')).toBe(CLOSING_TEXT);
  });
});

describe('joiToJsonSchema for API documents', () => {
  it('says nullable as a type list, and names date-time and uri formats', () => {
    const schema = Joi.object({
      at: Joi.string().isoDate().allow(null).required(),
      url: Joi.string().uri().max(10),
      n: Joi.number().integer().min(0).allow(null),
      kind: Joi.string().valid('a', 'b').allow(null),
    });
    expect(joiToJsonSchema(schema)).toEqual({
      type: 'object',
      properties: {
        at: { type: ['string', 'null'], format: 'date-time' },
        url: { type: 'string', format: 'uri', maxLength: 10 },
        n: { type: ['integer', 'null'], minimum: 0 },
        kind: { enum: ['a', 'b', null] },
      },
      required: ['at'],
      additionalProperties: false,
    });
  });
});

describe('sceneInputJsonSchema', () => {
  it('types every content field (no "anything" from the per-layout rules) and keeps the scene options', async () => {
    const { sceneInputJsonSchema, SCENE_CONTENT_FIELD_SCHEMAS } = await import('@vidgen/core');
    const scene = sceneInputJsonSchema() as { properties: Record<string, Record<string, unknown>>; additionalProperties: boolean };
    for (const f of Object.keys(SCENE_CONTENT_FIELD_SCHEMAS)) expect(scene.properties[f]).not.toEqual({});
    expect(scene.properties.items).toMatchObject({ type: 'array', items: { type: 'string', maxLength: SCENE_LIMITS.item } });
    expect(scene.properties.layout).toEqual({ enum: [...LAYOUTS] });
    expect(scene.properties.duration_seconds).toEqual({ type: 'number', minimum: SCENE_LIMITS.sceneSecondsMin, maximum: SCENE_LIMITS.sceneSecondsMax });
    expect(scene.additionalProperties).toBe(false);
  });
});
