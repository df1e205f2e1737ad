export * from './cannon';
export * from './fixtures';
export * from './processes';
export * from './profile';
export * from './redis-stats';
