import type { RequestHandler } from 'express';
import { VidgenError } from '@vidgen/core';

/** Member names that reach an object's prototype chain when merged or assigned; never a field of ours. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses a parsed JSON body that has a `__proto__`, `constructor` or `prototype`
 * member anywhere, with VALIDATION_FAILED naming the field: JSON.parse makes them own
 * properties, and schema validation drops or ignores them silently, while every other
 * unknown field is refused. Iterative, so a deeply nested body cannot overflow the stack.
 */
export const refusePrototypeKeys: RequestHandler = (req, _res, next) => {
  const found = findPrototypeKey(req.body);
  if (found === null) return next();
  next(new VidgenError('VALIDATION_FAILED', { details: [{ field: found, message: `"${found}" is not allowed: members named __proto__, constructor or prototype are refused`, type: 'object.unknown' }] }));
};

/** The path of the first forbidden member (e.g. `configuration.scenes[0].__proto__`), or null. */
export function findPrototypeKey(body: unknown): string | null {
  const stack: Array<[unknown, string]> = [[body, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`]);
      continue;
    }
    // Own keys only: JSON.parse defines `__proto__` as an own property, it never sets the prototype.
    for (const key of Object.keys(value)) {
      const child = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) return child;
      stack.push([(value as Record<string, unknown>)[key], child]);
    }
  }
  return null;
}
