import type { JobWarning, PlannerHints } from './job';
import type { PlannedScene, SceneSpec } from './scene-model';
import { planScenes } from './storyboard';

/** The planners a deployment can run (PLANNER). */
export const PLANNER_NAMES = ['rules', 'llm'] as const;
export type PlannerName = (typeof PLANNER_NAMES)[number];

export interface PlannerInput {
  topic: string;
  context?: string;
  /** Explicit scenes: every planner plans them as given (the model is not asked). */
  scenes?: SceneSpec[];
  hints?: PlannerHints;
  /** Whose plan it is: the plan cache is per owner. */
  owner?: string;
  /** The most this plan may last by the owner's video budget, when the caller knows it (a worker: remaining plus the job's own reservation). */
  budgetSeconds?: number;
  /** Whether the job is narrated: speech can lengthen scenes, so the length bound counts it. */
  narration?: boolean;
}

/** What the planning stage reports (progress detail, logs, metrics). */
export interface PlanReport {
  /** The planner whose scenes the job renders: 'rules' after a fallback. */
  planner: PlannerName;
  /** The language model asked, when one was. */
  model?: string;
  tokens_in: number;
  tokens_out: number;
  latency_ms: number;
  /** Requests sent to the model endpoint (retries and repair rounds included). */
  calls: number;
  /** The plan came from the plan cache: no model call. */
  cached: boolean;
  /** The language model was asked but its plan was not used. */
  fallback: boolean;
}

export interface PlanResult {
  scenes: PlannedScene[];
  report: PlanReport;
  /** For the job record (a fallback says why). */
  warnings: JobWarning[];
}

/** Turns a job's request into planned scenes (layouts, content, lengths). */
export interface Planner {
  readonly name: PlannerName;
  plan(input: PlannerInput, signal?: AbortSignal): Promise<PlanResult>;
}

/** The rules planner's answer for an input, as a PlanResult (pure). */
export function rulesPlan(input: PlannerInput): PlanResult {
  const started = Date.now();
  const scenes = planScenes({ topic: input.topic, context: input.context, scenes: input.scenes, planner_hints: input.hints });
  return { scenes, report: { planner: 'rules', tokens_in: 0, tokens_out: 0, latency_ms: Date.now() - started, calls: 0, cached: false, fallback: false }, warnings: [] };
}

/** The deterministic rules planner (storyboard.ts) behind the Planner interface. */
export const rulesPlanner: Planner = {
  name: 'rules',
  async plan(input) {
    return rulesPlan(input);
  },
};
