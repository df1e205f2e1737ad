import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { VidgenError } from '@vidgen/core';
import { isPublicAddress } from './address-policy';

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));

export function notAllowed(host: string, address?: string): VidgenError {
  return new VidgenError('CALLBACK_URL_NOT_ALLOWED', { details: { host, ...(address ? { address } : {}) } });
}

/**
 * A `lookup` for http(s).request that resolves the host, refuses it unless
 * every address is public (or private ones are allowed), and hands the socket
 * exactly the address it checked: the connection cannot go to another
 * address than the one judged (no DNS rebinding between check and connect).
 */
export function pinnedLookup(options: { allowPrivate: boolean; resolve?: Resolver; onResolved?: (address: string) => void }): LookupFunction {
  const { allowPrivate, resolve = systemResolver, onResolved } = options;
  return ((hostname: string, opts: { all?: boolean }, callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname)
      .then((addresses) => {
        if (addresses.length === 0) throw notAllowed(hostname);
        const refused = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
        if (refused) throw notAllowed(hostname, refused.address);
        const chosen = addresses[0]!;
        onResolved?.(chosen.address);
        if (opts?.all) callback(null, [chosen]);
        else callback(null, chosen.address, chosen.family);
      })
      .catch((err: Error) => callback(err, ''));
  }) as LookupFunction;
}

/** Hosts that are IP literals never reach `lookup` in Node, so they are judged here before connecting. */
export function checkLiteralHost(hostname: string, allowPrivate: boolean): void {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (isIP(host) && !allowPrivate && !isPublicAddress(host)) throw notAllowed(host, host);
}
