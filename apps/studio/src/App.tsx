import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { VidgenApiError, type Capabilities } from './api';
import { describe } from './errors';
import { onLinkClick, useRoute } from './router';
import { clientFor, storedKey, storeKey } from './session';
import { CreateJob } from './views/CreateJob';
import { JobList } from './views/JobList';
import { JobView } from './views/JobView';
import { SignIn } from './views/SignIn';

type Auth = { state: 'checking' } | { state: 'signed-out' } | { state: 'in'; caps: Capabilities; open: boolean } | { state: 'error'; message: string };

/**
 * The studio: signs in (or finds the API open: development mode needs no key),
 * then routes between the new-video form, the list and one job.
 */
export function App() {
  const [key, setKey] = useState<string | null>(storedKey);
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  const api = useMemo(() => clientFor(key), [key]);
  const route = useRoute();

  useEffect(() => {
    let cancelled = false;
    // Capabilities answer with the key (or without one in open development mode); a 401 means sign in.
    api.capabilities().then(
      (caps) => !cancelled && setAuth({ state: 'in', caps, open: !key }),
      (err: unknown) => {
        if (cancelled) return;
        if (err instanceof VidgenApiError && err.status === 401) {
          if (key) storeKey(null);
          setKey(null);
          setAuth({ state: 'signed-out' });
        } else setAuth({ state: 'error', message: describe(err) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api]);

  // After an in-page navigation, focus moves to the new view (as a page load would put it at the top).
  const path = route.name === 'job' ? `job:${route.id}` : route.name;
  const firstView = useRef(true);
  useEffect(() => {
    if (firstView.current) return void (firstView.current = false);
    document.getElementById('main')?.focus();
  }, [path]);

  useEffect(() => {
    const title = route.name === 'list' ? 'Videos' : route.name === 'job' ? 'Video' : 'New video';
    document.title = auth.state === 'signed-out' ? 'Sign in · vidgen studio' : `${title} · vidgen studio`;
  }, [route, auth.state]);

  const signOut = () => {
    storeKey(null);
    setKey(null);
    setAuth({ state: 'checking' });
  };

  return (
    <div class="shell" onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          vidgen studio
        </a>
        {auth.state === 'in' && (
          <nav aria-label="Main">
            <a href="/" aria-current={route.name === 'create' ? 'page' : undefined}>
              New video
            </a>
            <a href="/jobs" aria-current={route.name === 'list' ? 'page' : undefined}>
              Videos
            </a>
            {auth.open ? (
              <span class="hint" title="The API runs without API keys">
                Open mode
              </span>
            ) : (
              <button type="button" class="link" onClick={signOut}>
                Sign out
              </button>
            )}
          </nav>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {auth.state === 'checking' && <p aria-busy="true">Connecting…</p>}
        {auth.state === 'error' && (
          <p class="error" role="alert">
            {auth.message}
          </p>
        )}
        {auth.state === 'signed-out' && (
          <SignIn
            onSignedIn={(k) => {
              storeKey(k);
              setAuth({ state: 'checking' });
              setKey(k);
            }}
          />
        )}
        {auth.state === 'in' &&
          (route.name === 'create' ? (
            <CreateJob api={api} caps={auth.caps} />
          ) : route.name === 'list' ? (
            <JobList api={api} />
          ) : route.name === 'job' ? (
            <JobView key={route.id} api={api} id={route.id} />
          ) : (
            <section>
              <h1>Not found</h1>
              <p>
                <a href="/">Make a new video</a>
              </p>
            </section>
          ))}
      </main>
    </div>
  );
}
