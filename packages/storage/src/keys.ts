/**
 * The object key layout: every output of a job lives under
 *   videos/<owner>/<job_id>/<output>
 * e.g. videos/acme/0f8c…/video.mp4. Owners and job ids are validated
 * identifiers (letters, digits, _ . -), so keys need no escaping.
 */
export function jobObjectPrefix(owner: string, jobId: string): string {
  return `videos/${owner}/${jobId}/`;
}

export function jobObjectKey(owner: string, jobId: string, output: string): string {
  return `${jobObjectPrefix(owner, jobId)}${output}`;
}
