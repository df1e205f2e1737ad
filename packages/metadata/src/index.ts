export * from './model';
export * from './sanitize';
export * from './etag';
export * from './keys';
export * from './manager';
export * from './cursor';
