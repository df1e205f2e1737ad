import http from 'node:http';
import https from 'node:https';
import { VidgenError } from '@vidgen/core';
import { parseCallbackUrl } from './address-policy';
import { checkLiteralHost, notAllowed, pinnedLookup, type Resolver } from './pinned-lookup';

export interface SendOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate: boolean;
  resolve?: Resolver;
}

export interface SendResult {
  statusCode: number;
  /** The address the connection went to. */
  address: string | null;
}

/**
 * One POST to a callback URL through the pinned lookup. Resolves with the
 * status code of any answer (2xx or not); rejects with CALLBACK_URL_NOT_ALLOWED
 * for a refused URL and WEBHOOK_DELIVERY_FAILED for a timeout or connection
 * error. Redirects are not followed (a redirect could point anywhere).
 */
export function sendWebhook(options: SendOptions): Promise<SendResult> {
  const { url: raw, body, headers, timeoutMs, allowPrivate, resolve } = options;
  const url = parseCallbackUrl(raw);
  if (!url) return Promise.reject(notAllowed(raw));
  try {
    checkLiteralHost(url.hostname, allowPrivate);
  } catch (err) {
    return Promise.reject(err);
  }
  let address: string | null = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : null;
  const lookup = pinnedLookup({ allowPrivate, resolve, onResolved: (a) => (address = a) });
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolvePromise, reject) => {
    // One deadline for the whole exchange (connect included), not a socket idle timeout:
    // a receiver that drips bytes would otherwise hold a delivery slot forever.
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const settle = (fn: () => void) => {
      clearTimeout(deadline);
      fn();
    };
    const req = client.request(
      url,
      {
        method: 'POST',
        lookup,
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'User-Agent': 'vidgen-webhooks/1', ...headers },
        agent: false,
      },
      (res) => {
        // Only the status matters: answer as soon as it is known and drop the body, however long it is.
        const statusCode = res.statusCode ?? 0;
        const remote = address ?? req.socket?.remoteAddress ?? null;
        res.destroy();
        settle(() => resolvePromise({ statusCode, address: remote }));
      },
    );
    req.on('error', (err) => {
      settle(() => {
        if (err instanceof VidgenError) reject(err);
        else reject(new VidgenError('WEBHOOK_DELIVERY_FAILED', { cause: err, message: `The receiver could not be reached: ${err.message}` }));
      });
    });
    req.end(body);
  });
}
