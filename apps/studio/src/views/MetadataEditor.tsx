import { useEffect, useState } from 'preact/hooks';
import { VidgenApiError, type Metadata, type VidgenClient } from '../api';
import { describedBy, Field, fieldId } from '../components/Field';
import { describe, fieldErrors, type FieldErrors } from '../errors';

import { changesBetween, edited, FIELDS, formOf, tagList, type Form } from './metadata-diff';

export interface MetadataEditorProps {
  api: VidgenClient;
  id: string;
}

/**
 * Title, description and tags, saved with If-Match: a save made over a version
 * someone else replaced meanwhile is refused (412), and the form shows what
 * they changed, keeps what you typed, and lets you save over it or take theirs.
 */
export function MetadataEditor({ api, id }: MetadataEditorProps) {
  const [base, setBase] = useState<{ metadata: Metadata; etag: string } | null>(null);
  const [form, setForm] = useState<Form>({ title: '', description: '', tags: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [status, setStatus] = useState<string | null>(null);
  const [conflict, setConflict] = useState<ReturnType<typeof changesBetween> | null>(null);
  const [busy, setBusy] = useState(false);

  const load = (m: { metadata: Metadata; etag: string }) => {
    setBase(m);
    setForm(formOf(m.metadata));
  };
  useEffect(() => {
    api.metadata.get(id).then(load, (err: unknown) => setStatus(describe(err)));
  }, [api, id]);

  async function save(e: Event) {
    e.preventDefault();
    if (!base) return;
    const changed = edited(form, formOf(base.metadata));
    if (!changed.length) return void setStatus('Nothing to save: no field was changed.');
    setBusy(true);
    setErrors({});
    setStatus(null);
    try {
      // Only the fields this user changed: a save never writes back a stale copy of the others.
      const patch = Object.fromEntries(changed.map((f) => [f, f === 'tags' ? tagList(form.tags) : form[f]]));
      const saved = await api.metadata.patch(id, patch, { ifMatch: base.etag });
      load(saved);
      setConflict(null);
      setStatus(`Saved (version ${saved.metadata.version}).`);
    } catch (err) {
      if (err instanceof VidgenApiError && err.status === 412) {
        // Someone saved first: show their changes against what this form started from. Fields this user
        // changed keep the typed values; the others take the new ones. Saving again applies the user's edits
        // over the new version.
        const current = await api.metadata.get(id).catch((readErr: unknown) => {
          setStatus(`This video was changed elsewhere, and reading the new version failed: ${describe(readErr)}`);
          return null;
        });
        if (!current) return;
        const theirs = formOf(current.metadata);
        setConflict(changesBetween(base.metadata, current.metadata));
        setForm(Object.fromEntries(FIELDS.map((f) => [f, changed.includes(f) ? form[f] : theirs[f]])) as Form);
        setBase(current);
        setStatus(`This video was changed elsewhere since you opened it. Your edits (${changed.join(', ')}) are kept; save again to apply them over the new version.`);
      } else {
        const { fields, general } = fieldErrors(err, (f) => FIELDS.some((k) => f === k));
        setErrors(fields);
        setStatus(general.join(' ') || null);
      }
    } finally {
      setBusy(false);
    }
  }

  if (!base) return <p aria-busy={status ? undefined : 'true'}>{status ?? 'Loading details…'}</p>;
  const input = (key: 'title' | 'description' | 'tags', label: string, hint?: string) => {
    const props = { id: fieldId(key), name: key, value: form[key], onInput: (e: Event) => setForm((f) => ({ ...f, [key]: (e.target as HTMLInputElement).value })), ...describedBy(key, errors[key], hint) };
    return (
      <Field path={key} label={label} error={errors[key]} hint={hint}>
        {key === 'description' ? <textarea rows={3} {...props} /> : <input type="text" {...props} />}
      </Field>
    );
  };
  return (
    <form class="card" aria-labelledby="details-title" onSubmit={(e) => void save(e)} noValidate>
      <h2 id="details-title">Details</h2>
      {input('title', 'Title')}
      {input('description', 'Description')}
      {input('tags', 'Tags', 'Comma separated.')}
      {conflict && (
        <div class="conflict" role="alert" aria-labelledby="conflict-title">
          <h3 id="conflict-title">Changed elsewhere (now version {base.metadata.version})</h3>
          {conflict.length ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  <th scope="col">You started from</th>
                  <th scope="col">Now</th>
                </tr>
              </thead>
              <tbody>
                {conflict.map((c) => (
                  <tr key={c.field}>
                    <th scope="row">{c.field}</th>
                    <td>{c.was}</td>
                    <td>{c.now}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p>No field you can edit differs; save again.</p>
          )}
          <button type="button" onClick={() => (load(base), setConflict(null), setStatus(null))}>
            Use theirs
          </button>
        </div>
      )}
      {status && !conflict && (
        <p class="status" role="status">
          {status}
        </p>
      )}
      {status && conflict && <p class="hint">{status}</p>}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save details'}
        </button>
      </div>
    </form>
  );
}
