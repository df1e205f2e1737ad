export * from './server';
export * from './app';
export * from './openapi';
