export * from './ports';
export * from './s3';
export * from './redis';
