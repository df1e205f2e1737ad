import { useState } from 'preact/hooks';
import { VidgenApiError } from '../api';
import { describedBy, Field, fieldId } from '../components/Field';
import { describe } from '../errors';
import { clientFor } from '../session';

export interface SignInProps {
  /** Called with a key the API accepted. */
  onSignedIn: (key: string) => void;
}

/** Sign in with an API key: checked against the API before it is kept (in this tab's sessionStorage only). */
export function SignIn({ onSignedIn }: SignInProps) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await clientFor(key.trim()).capabilities();
      onSignedIn(key.trim());
    } catch (err) {
      setError(err instanceof VidgenApiError && err.status === 401 ? 'This key was not accepted.' : describe(err));
      requestAnimationFrame(() => document.getElementById(fieldId('api_key'))?.focus());
    } finally {
      setBusy(false);
    }
  }
  const hint = 'Kept in this browser tab only; closing the tab signs you out.';
  return (
    <form class="card narrow" aria-labelledby="signin-title" onSubmit={(e) => void submit(e)} noValidate>
      <h1 id="signin-title">Sign in</h1>
      <Field path="api_key" label="API key" error={error} hint={hint}>
        <input id={fieldId('api_key')} type="password" autocomplete="current-password" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} {...describedBy('api_key', error, hint)} />
      </Field>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || !key.trim()}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </div>
    </form>
  );
}
