export * from './binaries';
export * from './escape';
export * from './run';
export * from './probe';
export * from './tool';
