import { planScenes, type PlannedScene, type SceneSpec } from '@vidgen/core';

export interface PlannerInput {
  topic: string;
  context?: string;
  scenes?: SceneSpec[];
}

/** Turns a job's request into planned scenes (layouts, content, lengths). The built-in one is deterministic; an LLM planner can implement the same. */
export interface Planner {
  plan(input: PlannerInput, signal?: AbortSignal): Promise<PlannedScene[]>;
}

/** The deterministic rules planner from core (the same one the API's /plan and submit checks use). */
export const builtinPlanner: Planner = {
  async plan(input) {
    return planScenes(input);
  },
};
