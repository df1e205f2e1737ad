/** The job lifecycle (issue 16): the rules of a job's life, written against the interfaces of ports.ts. */
export * from './ports';
export * from './attempt';
export * from './failure';
export * from './signals';
export * from './artifact-cache';
export * from './submit';
export * from './control';
export * from './outputs';
export * from './deliver/upload-outputs';
export * from './deliver/metadata';
export * from './tokens';
export * from './links';
export * from './present';
