/** The job lifecycle (issue 16): filled in as the rules move here from apps/api and apps/worker. */
export * from './tokens';
export * from './links';
export * from './present';
