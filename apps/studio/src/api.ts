/**
 * The studio's view of the API: @vidgen/client (types generated from the
 * OpenAPI document), and the few names the views use for its shapes.
 */
import { createClient as createVidgenClient, type ClientOptions, type Job } from '@vidgen/client';

export { VidgenApiError } from '@vidgen/client';
export type { Capabilities, GenerateRequest, Job, JobEvent, Metadata, Plan, VidgenClient } from '@vidgen/client';

export type JobStatus = Job['status'];
export type Progress = Job['progress'];

/** One entry of a VALIDATION_FAILED error's details. */
export interface FieldProblem {
  field: string;
  message: string;
  type?: string;
}

/**
 * A client whose reads revalidate with the API (If-None-Match) instead of
 * reusing the browser's cached answer: metadata is cacheable for minutes, and
 * the page must see someone else's edit right after a 412. The event stream
 * sets its own cache mode.
 */
export function createClient(options: Omit<ClientOptions, 'fetch'>) {
  const revalidating: typeof fetch = (input, init) => globalThis.fetch(input instanceof Request && !init ? new Request(input, { cache: 'no-cache' } as RequestInit) : input, init);
  return createVidgenClient({ ...options, fetch: revalidating });
}
