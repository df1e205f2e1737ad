import type { Redis } from 'ioredis';
import { rulesPlanner, type Logger, type Planner } from '@vidgen/core';
import { LlmPlanner, type PlannerObserver } from './llm-planner';
import { RedisPlanCache } from './cache';

/** The planner settings as the apps' config holds them (PLANNER, LLM_*). */
export interface PlannerSettings {
  name: 'rules' | 'llm';
  llm?: { baseUrl: string; apiKey?: string; model: string; timeoutMs: number; maxTokens: number; fallback: boolean; cacheTtlSeconds: number };
}

export interface PlannerDeps {
  /** For the plan cache; absent: no cache. */
  redis?: Redis;
  prefix: string;
  maxVideoSeconds?: number;
  logger?: Logger;
  observer?: PlannerObserver;
  /** The owner's remaining video budget (OWNER_DAILY_VIDEO_SECONDS); absent: only maxVideoSeconds bounds a plan. */
  remainingSeconds?: (owner: string) => Promise<number | null>;
}

/** The deployment's planner: the rules planner, or the LLM planner with its cache (worker and API build the same one). */
export function plannerFromSettings(settings: PlannerSettings, deps: PlannerDeps): Planner {
  const { llm } = settings;
  if (settings.name !== 'llm' || !llm) return rulesPlanner;
  const { fallback, cacheTtlSeconds, ...endpoint } = llm;
  return new LlmPlanner({
    endpoint,
    fallback,
    maxVideoSeconds: deps.maxVideoSeconds,
    remainingSeconds: deps.remainingSeconds,
    cache: deps.redis && cacheTtlSeconds > 0 ? new RedisPlanCache({ redis: deps.redis, prefix: deps.prefix, ttlSeconds: cacheTtlSeconds }) : undefined,
    observer: deps.observer,
    logger: deps.logger?.child({ component: 'planner' }),
  });
}
