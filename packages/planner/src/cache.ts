import type { Redis } from 'ioredis';
import { SCENE_LIMITS, sceneSpecSchema, type SceneSpec } from '@vidgen/core';
import Joi from 'joi';

/**
 * Plans of the language model, per owner, by a hash of (topic, context, hints, model, …):
 * a retry of a job, a repeated submission and a /plan preview followed by the submission
 * pay for one answer. Only plans that passed validation are stored.
 */
export interface PlanCache {
  get(owner: string, key: string): Promise<SceneSpec[] | null>;
  set(owner: string, key: string, scenes: SceneSpec[]): Promise<void>;
}

export interface RedisPlanCacheOptions {
  redis: Redis;
  /** QUEUE_PREFIX. */
  prefix: string;
  /** LLM_CACHE_TTL_SECONDS; 0 turns the cache off. */
  ttlSeconds: number;
}

const storedSchema = Joi.array().items(sceneSpecSchema).min(1).max(SCENE_LIMITS.scenesMax).required();

/** `<prefix>:plan-cache:<owner>:<sha256>`: a string of JSON scenes with LLM_CACHE_TTL_SECONDS. */
export function planCacheRedisKey(prefix: string, owner: string, key: string): string {
  return `${prefix}:plan-cache:${owner}:${key}`;
}

export class RedisPlanCache implements PlanCache {
  constructor(private readonly options: RedisPlanCacheOptions) {}

  async get(owner: string, key: string): Promise<SceneSpec[] | null> {
    if (this.options.ttlSeconds <= 0) return null;
    const raw = await this.options.redis.get(planCacheRedisKey(this.options.prefix, owner, key));
    if (!raw) return null;
    // Checked again on the way out: the entry is data from outside this process.
    const { error, value } = storedSchema.validate(JSON.parse(raw));
    return error ? null : (value as SceneSpec[]);
  }

  async set(owner: string, key: string, scenes: SceneSpec[]): Promise<void> {
    if (this.options.ttlSeconds <= 0) return;
    await this.options.redis.set(planCacheRedisKey(this.options.prefix, owner, key), JSON.stringify(scenes), 'EX', this.options.ttlSeconds);
  }
}
