export * from './chat';
export * from './prompt';
export * from './cache';
export * from './llm-planner';
export * from './factory';
export * from './fake-server';
export * from './eval';
