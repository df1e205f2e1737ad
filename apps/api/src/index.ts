export * from './server';
export * from './app';
