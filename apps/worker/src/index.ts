export * from './worker';
export * from './health';
export * from './handlers/generate-video';
