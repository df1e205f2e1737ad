import { rulesPlanner, type Planner } from '@vidgen/core';

// The planner contract and the rules planner live in core (the API's /plan preview and the LLM planner share them).
export type { Planner, PlannerInput, PlanResult, PlanReport } from '@vidgen/core';

/** The deterministic rules planner from core (the same one the API's /plan and submit checks use). */
export const builtinPlanner: Planner = rulesPlanner;
