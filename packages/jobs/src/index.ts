/** The job lifecycle (issue 16): filled in as the rules move here from apps/api and apps/worker. */
export * from './outputs';
export * from './ports-outputs';
export * from './deliver/upload-outputs';
export * from './deliver/metadata';
export * from './tokens';
export * from './links';
export * from './present';
