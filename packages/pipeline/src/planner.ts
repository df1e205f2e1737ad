import { planStoryboard, type StoryboardScene, type SceneSpec } from '@vidgen/core';

export interface PlannerInput {
  topic: string;
  context?: string;
  scenes?: SceneSpec[];
}

/** Turns a job's request into scenes. The built-in one is deterministic; an LLM planner can implement the same. */
export interface Planner {
  plan(input: PlannerInput, signal?: AbortSignal): Promise<StoryboardScene[]>;
}

/** The deterministic planner from core (the same timing the API checks at submit). */
export const builtinPlanner: Planner = {
  async plan(input) {
    return planStoryboard(input);
  },
};
