export * from './env';
export * from './processes';
export * from './wait';
