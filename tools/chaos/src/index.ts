export * from './harness';
export * from './receiver';
export * from './checks';
export * from './jobs';
export * from './report';
