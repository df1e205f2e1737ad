import { createClient, type VidgenClient } from './api';

/** The API key lives in this tab's sessionStorage only: never in a URL, a cookie or a log line. */
const KEY = 'vidgen.apiKey';

/** The key this tab signed in with, if any (storage may be disabled: then none). */
export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

/** Keeps the key for this tab (null: forgets it, i.e. signs out). */
export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, key);
}

/** A client for the page's own origin (the API serves the studio), with the key when there is one. */
export function clientFor(apiKey: string | null): VidgenClient {
  return createClient({ baseUrl: '', ...(apiKey ? { apiKey } : {}) });
}
