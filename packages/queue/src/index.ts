export * from './redis';
export * from './keys';
export * from './bull';
export * from './job-store';
export * from './prefix';
