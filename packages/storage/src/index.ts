export * from './client';
export * from './keys';
export * from './errors';
export * from './upload';
export * from './urls';
export * from './bucket';
export * from './observer';
