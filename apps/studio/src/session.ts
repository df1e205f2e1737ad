import { createClient, type VidgenClient } from './api';

/** The API key lives in this tab's sessionStorage only: never in a URL, a cookie or a log line. */
const KEY = 'vidgen.apiKey';

export function storedKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function storeKey(key: string | null): void {
  if (key === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, key);
}

/** A client for the page's own origin (the API serves the studio), with the key when there is one. */
export function clientFor(apiKey: string | null): VidgenClient {
  return createClient({ baseUrl: '', ...(apiKey ? { apiKey } : {}) });
}
