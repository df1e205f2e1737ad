import { createHash } from 'node:crypto';
import Joi from 'joi';
import {
  DEFAULT_MAX_VIDEO_SECONDS,
  LAYOUTS,
  SCENE_LIMITS,
  VidgenError,
  assertWithinBounds,
  canonicalJson,
  isVidgenError,
  joiProblems,
  rulesPlan,
  plannedVideoSeconds,
  scenePlanJsonSchema,
  sceneSpecSchema,
  silentLogger,
  type JobWarning,
  type Logger,
  type PlanReport,
  type PlanResult,
  type Planner,
  type PlannerInput,
  type SceneSpec,
} from '@vidgen/core';
import { chatCompletion, type ChatEndpoint, type ChatFailure, type ChatMessage, type ChatOutcome, type ChatRequest } from './chat';
import { initialMessages, repairMessages, shortenMessages, systemPrompt } from './prompt';
import type { PlanCache } from './cache';

/** Why the model's plan was not used (warning details, PLANNER_FAILED details, metrics). */
export type FallbackReason = 'timeout' | 'http_error' | 'rate_limited' | 'network' | 'bad_response' | 'invalid_json' | 'invalid_plan' | 'too_long';

/** Counts for metrics; the worker wires them to prom-client. Must not throw. */
export interface PlannerObserver {
  /** One request to the endpoint: 'ok' or why it failed. */
  call(model: string, outcome: 'ok' | ChatFailure, latencyMs: number): void;
  /** One planning: the model's plan used, a cached one, a fallback to the rules planner, or a failure (strict). */
  planned(model: string, result: 'llm' | 'cached' | 'fallback' | 'failed', latencyMs: number): void;
}

export interface LlmPlannerOptions {
  endpoint: ChatEndpoint;
  /** LLM_FALLBACK: the rules planner with a warning when the model gives no usable plan; false: PLANNER_FAILED. */
  fallback: boolean;
  /** MAX_VIDEO_SECONDS: the bound a plan must fit, speech included. */
  maxVideoSeconds?: number;
  /**
   * Seconds the owner may still render, when a budget applies (null: no budget). A plan
   * over it goes back once like one over maxVideoSeconds. Not wired yet: the owner budget
   * lives on another branch.
   */
  remainingSeconds?: (owner: string) => Promise<number | null>;
  /** Per-owner plan cache; absent: no cache. */
  cache?: PlanCache;
  observer?: PlannerObserver;
  logger?: Logger;
  /** Tests replace the request (never the rest of the flow). */
  send?: (endpoint: ChatEndpoint, request: ChatRequest) => Promise<ChatOutcome>;
}

/** The model must name a layout (the old {title?, text} shape is for clients). */
const modelSceneSchema = sceneSpecSchema.keys({ layout: Joi.string().valid(...LAYOUTS).required() });
export const modelPlanSchema = Joi.object({
  scenes: Joi.array().items(modelSceneSchema).min(1).max(SCENE_LIMITS.scenesMax).required(),
})
  .unknown(false)
  .required();

/** Longest excerpt of a model's answer kept in a warning or error detail. */
const EXCERPT = 200;

type Parsed = { ok: true; scenes: SceneSpec[] } | { ok: false; reason: 'invalid_json' | 'invalid_plan'; problems: string[] };

/**
 * The model's text → validated scene specs. The text is hostile like a client's: JSON.parse
 * (data only, nothing evaluated), one optional code fence stripped, then the scene schema
 * with unknown fields refused, control characters refused and every length bounded.
 */
export function parseModelPlan(text: string): Parsed {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(text);
  let value: unknown;
  try {
    // joi passes an own "__proto__" key through unseen; refused here, before anything copies the object.
    value = JSON.parse(fenced ? fenced[1]! : text, (key, v: unknown) => {
      if (key === '__proto__') throw new Error('the key "__proto__" is not allowed');
      return v;
    });
  } catch (err) {
    return { ok: false, reason: 'invalid_json', problems: [`the answer is not valid JSON (${(err as Error).message})`] };
  }
  if (Array.isArray(value)) value = { scenes: value };
  const { error, value: out } = modelPlanSchema.validate(value, { abortEarly: false, convert: true });
  if (error) return { ok: false, reason: 'invalid_plan', problems: joiProblems(error).map((p) => `${p.field}: ${p.message}`).slice(0, 20) };
  return { ok: true, scenes: (out as { scenes: SceneSpec[] }).scenes };
}

/** The cache key of a request: everything that changes the answer. */
export function planCacheKey(parts: { topic: string; context?: string; hints?: unknown; model: string; narration?: boolean; maxSeconds: number }): string {
  return createHash('sha256').update(canonicalJson({ ...parts, context: parts.context ?? '' })).digest('hex');
}

const TRANSIENT: ReadonlySet<ChatFailure> = new Set(['timeout', 'http_error', 'rate_limited', 'network', 'bad_response']);

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * The language-model planner. Topic and context in, scenes out from an OpenAI-compatible
 * endpoint, with the rules planner as the floor:
 * - a timeout, 5xx, 429 (Retry-After honoured when it fits LLM_TIMEOUT_MS), network error or
 *   a malformed completion: one retry;
 * - invalid JSON or a plan the scene schema refuses: one repair round with the problems;
 * - a valid plan longer than the bound (or the owner's budget): back once with the limit;
 * then the rules planner with a warning, or PLANNER_FAILED when fallback is off. Every request
 * is bounded by LLM_TIMEOUT_MS, so a planning makes at most 7 requests and never hangs.
 */
export class LlmPlanner implements Planner {
  readonly name = 'llm' as const;
  private readonly logger: Logger;
  /** Cleared for good once the server refuses response_format: the schema then goes in the prompt. */
  private schemaSupported = true;

  constructor(private readonly options: LlmPlannerOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  get model(): string {
    return this.options.endpoint.model;
  }

  async plan(input: PlannerInput, signal?: AbortSignal): Promise<PlanResult> {
    const started = Date.now();
    const { endpoint, cache, observer } = this.options;
    const model = endpoint.model;
    if (input.scenes && input.scenes.length > 0) {
      // Scenes given by the client are planned as given: nothing to ask.
      return { scenes: this.rules(input), report: this.report('rules', { started }), warnings: [] };
    }
    const bound = this.options.maxVideoSeconds ?? DEFAULT_MAX_VIDEO_SECONDS;
    const budget = input.budgetSeconds ?? (input.owner && this.options.remainingSeconds ? await this.options.remainingSeconds(input.owner).catch(() => null) : null);
    const maxSeconds = budget !== null && budget < bound ? Math.max(0, Math.floor(budget)) : bound;
    const key = planCacheKey({ topic: input.topic, context: input.context, hints: input.hints, model, narration: input.narration, maxSeconds });
    if (cache && input.owner) {
      const hit = await cache.get(input.owner, key).catch((err) => {
        this.logger.warn('plan cache read failed; asking the model', { err });
        return null;
      });
      if (hit) {
        observer?.planned(model, 'cached', Date.now() - started);
        return { scenes: this.rules({ ...input, scenes: hit }), report: this.report('llm', { started, cached: true }), warnings: [] };
      }
    }

    const usage = { calls: 0, tokensIn: 0, tokensOut: 0 };
    const outcome = await this.converse(input, maxSeconds, signal, usage);
    if (signal?.aborted) throw new VidgenError('JOB_CANCELLED');
    if (outcome.ok) {
      observer?.planned(model, 'llm', Date.now() - started);
      if (cache && input.owner) await cache.set(input.owner, key, outcome.scenes).catch((err) => this.logger.warn('plan cache write failed', { err }));
      return { scenes: this.rules({ ...input, scenes: outcome.scenes }), report: this.report('llm', { started, usage }), warnings: [] };
    }

    const details = { reason: outcome.reason, model, problems: outcome.problems.slice(0, 5), ...(outcome.excerpt ? { answer_excerpt: outcome.excerpt } : {}) };
    if (!this.options.fallback) {
      observer?.planned(model, 'failed', Date.now() - started);
      this.logger.warn('the language model gave no usable plan; the job fails (LLM_FALLBACK=false)', details);
      throw new VidgenError('PLANNER_FAILED', { message: `The language-model planner gave no usable plan: ${outcome.problems[0] ?? outcome.reason}.`, details });
    }
    observer?.planned(model, 'fallback', Date.now() - started);
    this.logger.warn('the language model gave no usable plan; the rules planner plans this job', details);
    const warning: JobWarning = {
      code: 'PLANNER_FALLBACK',
      stage: 'planning',
      message: `The language model's plan could not be used (${outcome.reason}): the built-in rules planner planned this video.`,
      details,
    };
    return { scenes: this.rules({ ...input, scenes: undefined }), report: this.report('rules', { started, usage, fallback: true }), warnings: [warning] };
  }

  private rules(input: PlannerInput) {
    return rulesPlan(input).scenes;
  }

  private report(planner: PlanReport['planner'], o: { started: number; usage?: { calls: number; tokensIn: number; tokensOut: number }; cached?: boolean; fallback?: boolean }): PlanReport {
    return {
      planner,
      ...(planner === 'llm' || o.fallback ? { model: this.options.endpoint.model } : {}),
      tokens_in: o.usage?.tokensIn ?? 0,
      tokens_out: o.usage?.tokensOut ?? 0,
      latency_ms: Date.now() - o.started,
      calls: o.usage?.calls ?? 0,
      cached: o.cached ?? false,
      fallback: o.fallback ?? false,
    };
  }

  /** The conversation: first answer, at most one repair round and one shortening round. */
  private async converse(
    input: PlannerInput,
    maxSeconds: number,
    signal: AbortSignal | undefined,
    usage: { calls: number; tokensIn: number; tokensOut: number },
  ): Promise<{ ok: true; scenes: SceneSpec[] } | { ok: false; reason: FallbackReason; problems: string[]; excerpt?: string }> {
    const base = initialMessages({ topic: input.topic, context: input.context, hints: input.hints, maxSeconds });
    const followUps: ChatMessage[] = [];
    let repaired = false;
    let shortened = false;
    for (;;) {
      const answer = await this.send(base, followUps, input, maxSeconds, signal, usage);
      if (!answer.ok) {
        const reason: FallbackReason = answer.failure === 'cancelled' ? 'network' : answer.failure === 'format_unsupported' ? 'http_error' : answer.failure;
        return { ok: false, reason, problems: [answer.message] };
      }
      const parsed = parseModelPlan(answer.content);
      if (!parsed.ok) {
        if (repaired) return { ok: false, reason: parsed.reason, problems: parsed.problems, excerpt: answer.content.slice(0, EXCERPT) };
        repaired = true;
        followUps.push(...repairMessages(answer.content, parsed.problems));
        continue;
      }
      const over = this.overLimit(input, parsed.scenes, maxSeconds);
      if (over) {
        if (shortened) return { ok: false, reason: 'too_long', problems: [over.message] };
        shortened = true;
        followUps.push(...shortenMessages(answer.content, over.seconds, maxSeconds));
        continue;
      }
      return { ok: true, scenes: parsed.scenes };
    }
  }

  /** The same bounds as a client's scenes at submit (text, speech, MAX_VIDEO_SECONDS), against the smaller of bound and budget. */
  private overLimit(input: PlannerInput, scenes: SceneSpec[], maxSeconds: number): { seconds: number; message: string } | null {
    try {
      assertWithinBounds({ topic: input.topic, scenes, narration: input.narration, quality: 'medium' }, { maxVideoSeconds: maxSeconds });
      return null;
    } catch (err) {
      if (!isVidgenError(err)) throw err;
      const detail = (err.details as Array<{ message?: string }> | undefined)?.[0];
      return { seconds: plannedVideoSeconds({ topic: input.topic, scenes, narration: input.narration }), message: detail?.message ?? err.message };
    }
  }

  /** One answer: the request, a retry after a transient failure, and a resend without response_format when the server refuses it. */
  private async send(
    base: ChatMessage[],
    followUps: ChatMessage[],
    input: PlannerInput,
    maxSeconds: number,
    signal: AbortSignal | undefined,
    usage: { calls: number; tokensIn: number; tokensOut: number },
  ): Promise<ChatOutcome> {
    const { endpoint, observer } = this.options;
    const request = (): Promise<ChatOutcome> => {
      const schema = scenePlanJsonSchema();
      const system: ChatMessage = this.schemaSupported
        ? base[0]!
        : { role: 'system', content: systemPrompt({ hints: input.hints, maxSeconds, schemaInPrompt: schema }) };
      const messages = [system, ...base.slice(1), ...followUps];
      usage.calls++;
      return (this.options.send ?? chatCompletion)(endpoint, { messages, jsonSchema: this.schemaSupported ? schema : undefined, signal }).then((out) => {
        observer?.call(endpoint.model, out.ok ? 'ok' : out.failure, out.latencyMs);
        if (out.ok) {
          usage.tokensIn += out.tokensIn;
          usage.tokensOut += out.tokensOut;
        }
        return out;
      });
    };
    let out = await request();
    if (!out.ok && out.failure === 'format_unsupported') {
      this.logger.info('the endpoint refuses response_format; the schema goes in the prompt from now on', { status: out.status });
      this.schemaSupported = false;
      out = await request();
    }
    if (out.ok || !TRANSIENT.has(out.failure) || (out.failure === 'http_error' && (out.status ?? 500) < 500)) return out;
    const wait = out.failure === 'rate_limited' ? (out.retryAfterMs ?? 1000) : 250;
    if (wait > endpoint.timeoutMs) {
      this.logger.warn('the endpoint asks to wait longer than LLM_TIMEOUT_MS; not retrying', { retry_after_ms: wait });
      return { ...out, message: `${out.message}; Retry-After ${Math.round(wait / 1000)} s is beyond LLM_TIMEOUT_MS` };
    }
    this.logger.info('the model endpoint failed; one retry', { failure: out.failure, status: out.status, wait_ms: wait });
    await sleep(wait, signal);
    if (signal?.aborted) return { ok: false, failure: 'cancelled', message: 'the job was cancelled', latencyMs: 0 };
    return request();
  }
}
