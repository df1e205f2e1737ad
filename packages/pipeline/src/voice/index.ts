export * from './types';
export * from './sentences';
export * from './wav-pcm';
export * from './festival';
export * from './sentence-engines';
export * from './engines';
export { engineFailure } from './failure';
