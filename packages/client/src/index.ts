export { createClient, type VidgenClient, type ClientOptions, type CallOptions, type SubmitOptions, type ListOptions, type WaitOptions, type VersionedMetadata } from './client';
export type { Job, JobAccepted, JobList, GenerateRequest, SceneInput, Capabilities, Usage, Plan, Metadata, MetadataPatch, MetadataVersions } from './client';
export { VidgenApiError, VidgenJobError, type ErrorCode, type ApiErrorBody } from './errors';
export type { JobEvent, JobProgressEvent, QueuePositionEvent, FollowOptions, JobStatus } from './follow';
export type { paths, components, operations } from './schema';
