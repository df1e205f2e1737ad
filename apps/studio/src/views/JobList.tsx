import { useEffect, useState } from 'preact/hooks';
import type { Job, JobStatus, VidgenClient } from '../api';
import { JobActions } from '../components/JobActions';
import { describe } from '../errors';

const STATUSES = ['', 'queued', 'processing', 'completed', 'failed', 'cancelled'] as const;
const PAGE_SIZE = 10;

export interface JobListProps {
  api: VidgenClient;
}

/** The caller's jobs, newest first: a status filter, pages by cursor, and each job's actions. */
export function JobList({ api }: JobListProps) {
  const [status, setStatus] = useState<string>('');
  // The cursors of the pages before this one (the first page has none), so Previous needs no cursor of its own.
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState<{ jobs: Job[]; next_cursor: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const cursor = cursors.at(-1);

  // Another page or filter: no rows until its answer (the old ones are not that page's). A reload after
  // an action keeps the rows in place until the new answer replaces them.
  useEffect(() => setPage(null), [status, cursor]);

  useEffect(() => {
    let cancelled = false;
    setError(null);
    api.list({ status: (status || undefined) as JobStatus | undefined, limit: PAGE_SIZE, cursor }).then(
      (p) => !cancelled && setPage(p),
      (err: unknown) => !cancelled && setError(describe(err)),
    );
    return () => {
      cancelled = true;
    };
  }, [api, status, cursor, reload]);

  return (
    <section aria-labelledby="list-title">
      <h1 id="list-title">Videos</h1>
      <div class="toolbar">
        <label for="status-filter">Status</label>
        <select
          id="status-filter"
          value={status}
          onChange={(e) => {
            setStatus((e.target as HTMLSelectElement).value);
            setCursors([undefined]);
          }}
        >
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s || 'All'}
            </option>
          ))}
        </select>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!page ? (
        <p aria-busy="true">Loading…</p>
      ) : page.jobs.length === 0 ? (
        <p>No videos{status ? ` with status ${status}` : ''} yet.</p>
      ) : (
        <ul class="jobs">
          {page.jobs.map((job) => (
            <li key={job.job_id} class="job-row" data-job={job.job_id}>
              <div class="job-main">
                <a href={`/jobs/${job.job_id}`}>{job.configuration.topic}</a>
                <span class={`badge ${job.status}`}>{job.status}</span>
                <small class="hint">
                  {new Date(job.created_at).toLocaleString()} · {job.configuration.quality ?? 'medium'}
                  {job.status === 'processing' ? ` · ${Math.round(job.progress.percentage)}%` : ''}
                </small>
              </div>
              <JobActions api={api} job={job} onDone={() => setReload((n) => n + 1)} />
            </li>
          ))}
        </ul>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={cursors.length < 2} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Previous page
        </button>
        <span aria-live="polite">Page {cursors.length}</span>
        <button type="button" disabled={!page?.next_cursor} onClick={() => page?.next_cursor && setCursors((c) => [...c, page.next_cursor!])}>
          Next page
        </button>
      </nav>
    </section>
  );
}
