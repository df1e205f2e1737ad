import { useState } from 'preact/hooks';
import type { Job, VidgenClient } from '../api';
import { describe } from '../errors';
import { Confirm } from './Confirm';

type Action = 'cancel' | 'retry' | 'delete';

const WORDING: Record<Action, { button: string; title: string; message: (topic: string) => string; confirm: string }> = {
  cancel: { button: 'Cancel', title: 'Cancel this job?', message: (t) => `“${t}” stops and will not be rendered.`, confirm: 'Cancel job' },
  retry: { button: 'Retry', title: 'Retry this job?', message: (t) => `“${t}” is queued again as a new submission.`, confirm: 'Retry job' },
  delete: { button: 'Delete', title: 'Delete this job?', message: (t) => `“${t}” and its video files are deleted for good.`, confirm: 'Delete job' },
};

/** Which actions a job in this status allows. */
export function actionsFor(status: Job['status']): Action[] {
  if (status === 'queued' || status === 'processing') return ['cancel', 'delete'];
  if (status === 'failed' || status === 'cancelled') return ['retry', 'delete'];
  return ['delete'];
}

export interface JobActionsProps {
  api: VidgenClient;
  job: Pick<Job, 'job_id' | 'status' | 'configuration'>;
  /** Called after an action succeeded: the job as it is now (null: deleted). */
  onDone: (job: Job | null) => void;
}

/** Cancel, retry and delete, each after a confirmation. */
export function JobActions({ api, job, onDone }: JobActionsProps) {
  const [asking, setAsking] = useState<Action | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const topic = job.configuration.topic;
  const run = async (action: Action) => {
    setAsking(null);
    setBusy(true);
    setError(null);
    try {
      if (action === 'delete') {
        await api.delete(job.job_id);
        onDone(null);
      } else onDone(await api[action](job.job_id));
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="job-actions">
      {actionsFor(job.status).map((a) => (
        <button key={a} type="button" class={a === 'delete' ? 'danger' : ''} disabled={busy} aria-label={`${WORDING[a].button} “${topic}”`} onClick={() => setAsking(a)}>
          {WORDING[a].button}
        </button>
      ))}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {asking && <Confirm title={WORDING[asking].title} message={WORDING[asking].message(topic)} confirmLabel={WORDING[asking].confirm} onConfirm={() => void run(asking)} onCancel={() => setAsking(null)} />}
    </div>
  );
}
