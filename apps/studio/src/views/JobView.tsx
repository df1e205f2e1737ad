import { useEffect, useState } from 'preact/hooks';
import type { Job, Progress, VidgenClient } from '../api';
import { JobActions } from '../components/JobActions';
import { describe } from '../errors';
import { navigate } from '../router';
import { MetadataEditor } from './MetadataEditor';
import { Player } from './Player';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export interface JobViewProps {
  api: VidgenClient;
  id: string;
}

/** One job: its live progress while it runs, then the player and the metadata editor. */
export function JobView({ api, id }: JobViewProps) {
  const [job, setJob] = useState<Job | null>(null);
  const [queuePosition, setQueuePosition] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Bumped when a retry puts the finished job back in the queue: the same id, followed again.
  const [run, setRun] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    if (run === 0) setJob(null);
    setError(null);
    void (async () => {
      try {
        const first = await api.get(id);
        if (controller.signal.aborted) return;
        setJob(first);
        setQueuePosition(first.queue_position ?? null);
        if (TERMINAL.has(first.status)) return;
        for await (const e of api.follow(id, { signal: controller.signal })) {
          if (controller.signal.aborted) return;
          if (e.event === 'queue_position') setQueuePosition(e.data.queue_position ?? null);
          else if (e.event === 'message') {
            const d = e.data as { status: Job['status']; progress: Progress };
            setJob((j) => (j ? { ...j, status: d.status, progress: d.progress } : j));
            // The terminal event: read the job once more for its result (the video's URLs).
            if (TERMINAL.has(d.status)) {
              setJob(await api.get(id));
              return;
            }
          }
        }
      } catch (err) {
        if (!controller.signal.aborted) setError(describe(err));
      }
    })();
    return () => controller.abort();
  }, [api, id, run]);

  if (error) {
    return (
      <section>
        <h1>Video</h1>
        <p class="error" role="alert">
          {error}
        </p>
      </section>
    );
  }
  if (!job) return <p aria-busy="true">Loading…</p>;
  return (
    <article class="job" aria-labelledby="job-title">
      <header class="job-header">
        <h1 id="job-title">{job.configuration.topic}</h1>
        <span class={`badge ${job.status}`}>{job.status}</span>
        <JobActions api={api} job={job} onDone={(next) => {
            if (!next) return navigate('/jobs');
            setJob(next);
            if (!TERMINAL.has(next.status)) setRun((n) => n + 1);
          }} />
      </header>
      {job.status === 'completed' && job.result && (
        <>
          <Player result={job.result} title={job.configuration.topic} />
          <MetadataEditor api={api} id={job.job_id} />
        </>
      )}
      {/* Still shown once completed (below the player): how the stages went. */}
      <ProgressPanel job={job} queuePosition={queuePosition} />
    </article>
  );
}

const eta = (s: number | null) => (s === null ? '—' : s < 60 ? `${Math.ceil(s)} s` : `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`);

/** Stages, percentage, ETA and queue position, as the event stream reports them. */
function ProgressPanel({ job, queuePosition }: { job: Job; queuePosition: number | null }) {
  const { progress } = job;
  const pct = Math.round(progress.percentage);
  return (
    <section class="card" aria-labelledby="progress-title">
      <h2 id="progress-title">Progress</h2>
      <div class="progress-row">
        <progress id="job-progress" max={100} value={pct} aria-labelledby="progress-title" aria-valuetext={`${pct}%`} />
        <output for="job-progress" class="pct" aria-live="polite" data-testid="percentage">
          {pct}%
        </output>
      </div>
      <dl class="facts">
        <dt>Status</dt>
        <dd class="cap" data-testid="status">{job.status}</dd>
        <dt>Stage</dt>
        <dd class="cap">{progress.stage.replace(/_/g, ' ')}</dd>
        {job.status === 'queued' && (
          <>
            <dt>Place in queue</dt>
            <dd data-testid="queue-position">{queuePosition === null ? '—' : queuePosition === 0 ? 'next' : `${queuePosition} ahead`}</dd>
          </>
        )}
        {!TERMINAL.has(job.status) && (
          <>
            <dt>Time left</dt>
            <dd>{eta(progress.eta_seconds ?? null)}</dd>
          </>
        )}
      </dl>
      {job.error && (
        <p class="error" role="alert">
          {job.error.message} ({job.error.code})
        </p>
      )}
      <ol class="stages" aria-label="Stages">
        {(progress.stages ?? []).map((s) => (
          <li key={s.name} class={`stage ${s.status}`}>
            <span class="stage-name">{s.name.replace(/_/g, ' ')}</span> <span class="stage-status">{s.status}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
