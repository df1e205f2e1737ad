export * from './stages';
export * from './errors';
export * from './classify';
export * from './canonical';
export * from './job';
export * from './schemas';
export * from './progress';
export * from './pool';
