export * from './harness';
export * from './receiver';
export * from './checks';
export * from './jobs';
export * from './report';
export * from './redis-keys';
export * from './sampler';
export { monitorRedis, parseMonitorLine, type MonitorConnection } from './monitor';
