export * from './music';
export * from './mix-args';
export * from './mix';
