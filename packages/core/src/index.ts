export * from './stages';
export * from './errors';
export * from './job';
export * from './schemas';
export * from './progress';
