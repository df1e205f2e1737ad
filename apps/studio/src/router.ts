import { useEffect, useState } from 'preact/hooks';

/** The studio's routes; the API's SPA fallback serves index.html for exactly these paths. */
export type Route = { name: 'create' } | { name: 'list' } | { name: 'job'; id: string } | { name: 'not-found' };

/** The route of a path; anything else is not-found (the API never serves the page for it anyway). */
export function parseRoute(path: string): Route {
  if (path === '/' || path === '/new') return { name: 'create' };
  if (path === '/jobs') return { name: 'list' };
  const m = /^\/jobs\/([0-9a-f-]{36})$/i.exec(path);
  return m ? { name: 'job', id: m[1]! } : { name: 'not-found' };
}

/** Moves to `path` without a page load (history.pushState) and tells useRoute. */
export function navigate(path: string): void {
  if (location.pathname + location.search === path) return;
  history.pushState(null, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
}

/** The current route; follows pushState (navigate) and the back button. */
export function useRoute(): Route {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  return parseRoute(path);
}

/** Same-origin links navigate in place (a plain click only: modified clicks keep the browser's meaning). */
export function onLinkClick(e: MouseEvent): void {
  const a = (e.target as Element | null)?.closest?.('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  if (a.origin !== location.origin || a.hasAttribute('download') || a.target) return;
  if (parseRoute(a.pathname).name === 'not-found') return;
  e.preventDefault();
  navigate(a.pathname + a.search);
}
