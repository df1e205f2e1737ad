import type Joi from 'joi';
import { LAYOUTS, LAYOUT_FIELDS, SCENE_LIMITS, TRANSITIONS, type SceneContent } from './scene-model';
import { SCENE_CONTENT_FIELD_SCHEMAS, sceneSpecSchema } from './schemas';

/**
 * JSON Schema (draft 2020-12 subset) from joi schemas, for clients that take a schema: a
 * language model's structured output (response_format) today, OpenAPI later.
 *
 * Why not joi-to-json: tried (5.0.5) on sceneSpecSchema, it turns each field's
 * `Joi.when('layout', …)` into an anyOf that includes "any type", so a model learns nothing
 * about which fields a layout takes. Here the field schemas are mapped from joi's describe()
 * and the per-layout structure comes from LAYOUT_FIELDS, the table the joi schema is built
 * from. What JSON Schema cannot say (custom rules: one chart value per label, icon names,
 * a pie's signs; control characters) stays with joi, which validates every answer anyway.
 */
export type JsonSchema = { [key: string]: unknown };

interface Described {
  type: string;
  flags?: { presence?: string; only?: boolean; default?: unknown; description?: string };
  allow?: unknown[];
  rules?: Array<{ name: string; args?: { limit?: number; options?: unknown } }>;
  items?: Described[];
  keys?: Record<string, Described>;
}

function limit(d: Described, name: string): number | undefined {
  const rule = d.rules?.find((r) => r.name === name);
  return typeof rule?.args?.limit === 'number' ? rule.args.limit : undefined;
}

/** One described joi schema → JSON Schema; unknown kinds (custom `any`, `when`) map to {} (anything). */
export function describedToJsonSchema(d: Described): JsonSchema {
  const out: JsonSchema = {};
  if (d.flags?.description) out.description = d.flags.description;
  if (d.flags?.only && d.allow) return { ...out, enum: d.allow };
  const min = limit(d, 'min');
  const max = limit(d, 'max');
  const length = limit(d, 'length');
  // `.allow(null)` on a typed schema: the JSON type list gains "null" (OpenAPI 3.1's way of saying nullable).
  const nullable = d.allow?.includes(null) ?? false;
  switch (d.type) {
    case 'string':
      out.type = 'string';
      if (d.rules?.some((r) => r.name === 'isoDate')) out.format = 'date-time';
      if (d.rules?.some((r) => r.name === 'uri')) out.format = 'uri';
      if (min !== undefined) out.minLength = min;
      if (max !== undefined) out.maxLength = max;
      if (length !== undefined) out.minLength = out.maxLength = length;
      break;
    case 'number':
      out.type = d.rules?.some((r) => r.name === 'integer') ? 'integer' : 'number';
      if (min !== undefined) out.minimum = min;
      if (max !== undefined) out.maximum = max;
      break;
    case 'boolean':
      out.type = 'boolean';
      break;
    case 'array':
      out.type = 'array';
      if (d.items?.length === 1) out.items = describedToJsonSchema(d.items[0]!);
      else if (d.items && d.items.length > 1) out.items = { anyOf: d.items.map(describedToJsonSchema) };
      if (min !== undefined) out.minItems = min;
      if (max !== undefined) out.maxItems = max;
      break;
    case 'object': {
      out.type = 'object';
      const keys = d.keys ?? {};
      out.properties = Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, describedToJsonSchema(v)]));
      const required = Object.entries(keys)
        .filter(([, v]) => v.flags?.presence === 'required')
        .map(([k]) => k);
      if (required.length) out.required = required;
      out.additionalProperties = false;
      break;
    }
    default:
      break;
  }
  if (nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

export function joiToJsonSchema(schema: Joi.Schema): JsonSchema {
  return describedToJsonSchema(schema.describe() as Described);
}

/**
 * One scene of the scene model as JSON Schema: an anyOf with one branch per layout, each
 * with exactly that layout's fields (required ones required) and the scene's own options.
 */
export function sceneSpecJsonSchema(): JsonSchema {
  const fieldSchema = (f: keyof SceneContent) => joiToJsonSchema(SCENE_CONTENT_FIELD_SCHEMAS[f]);
  return {
    anyOf: LAYOUTS.map((layout) => {
      const { required, optional } = LAYOUT_FIELDS[layout];
      const properties: Record<string, JsonSchema> = { layout: { const: layout } };
      for (const f of [...required, ...optional]) properties[f] = fieldSchema(f);
      // A title shown by a layout that requires it must not be empty.
      if (required.includes('title')) properties.title = { ...properties.title, minLength: 1 };
      properties.duration_seconds = { type: 'number', minimum: SCENE_LIMITS.sceneSecondsMin, maximum: SCENE_LIMITS.sceneSecondsMax };
      properties.transition = { enum: [...TRANSITIONS] };
      return { type: 'object', properties, required: ['layout', ...required], additionalProperties: false };
    }),
  };
}

/** What the language-model planner asks for: { scenes: [...] }, between `minScenes` and the scene model's maximum. */
export function scenePlanJsonSchema(options: { minScenes?: number; maxScenes?: number } = {}): JsonSchema {
  const { minScenes = 1, maxScenes = SCENE_LIMITS.scenesMax } = options;
  return {
    type: 'object',
    properties: { scenes: { type: 'array', minItems: minScenes, maxItems: maxScenes, items: sceneSpecJsonSchema() } },
    required: ['scenes'],
    additionalProperties: false,
  };
}

/**
 * A scene as a client may send it (configuration.scenes[]): one object with every content field
 * typed from its own joi schema. The joi schema's per-layout `when` rules would map to "anything";
 * which fields a layout requires is GET /capabilities' `layouts` (and sceneSpecJsonSchema's branches).
 */
export function sceneInputJsonSchema(): JsonSchema {
  const base = joiToJsonSchema(sceneSpecSchema) as JsonSchema & { properties: Record<string, JsonSchema> };
  const properties = { ...base.properties };
  for (const f of Object.keys(SCENE_CONTENT_FIELD_SCHEMAS) as Array<keyof SceneContent>) properties[f] = joiToJsonSchema(SCENE_CONTENT_FIELD_SCHEMAS[f]);
  return {
    ...base,
    description: 'One scene: a `layout` with the fields it takes (GET /api/v1/capabilities lists them per layout), or the old {title?, text} shape.',
    properties,
  };
}
