export * from './env';
export * from './processes';
export * from './wait';
export * from './fault-proxy';
export * from './random';
// The fake OpenAI-compatible server lives with the planner (pnpm planner:eval plays it too).
export { startFakeLlm, fakeScenePlan, type FakeLlm, type FakeLlmReply, type FakeLlmRequest } from '@vidgen/planner';
