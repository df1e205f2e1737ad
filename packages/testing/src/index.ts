export * from './env';
export * from './processes';
export * from './wait';
export * from './fault-proxy';
export * from './random';
export * from './fake-llm';
