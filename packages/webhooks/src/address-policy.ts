import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * IPv6 global unicast is 2000::/3 (IANA); everything outside it is reserved, unallocated or
 * special, including the forms that embed an IPv4 address in the low 32 bits: IPv4-compatible
 * ::a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, NAT64 64:ff9b::/96, discard 100::/64.
 */
const V6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];

/**
 * Whether a webhook may be delivered to this address. The ranges are ipaddr.js's (a library
 * kept up with the IANA special-purpose registries); only its `unicast` range passes, which
 * refuses loopback, private, CGNAT, link-local, multicast, reserved, documentation and
 * benchmarking ranges, and the IPv6 forms that tunnel to an IPv4 address chosen by whoever
 * wrote it (6to4 2002::/16, Teredo 2001::/32, NAT64). An IPv4-mapped address (::ffff:a.b.c.d)
 * is the IPv4 address itself on a dual-stack socket, so it is judged as that address.
 */
export function isPublicAddress(ip: string): boolean {
  // net.isIP first: ipaddr.js also parses legacy forms (0x7f.1, 127.1) that no resolver returns.
  const family = isIP(ip);
  if (family === 0) return false;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    // An IPv6 address goes through the WHATWG URL parser first, which writes a dotted IPv4 tail
    // as hex (::8.8.8.8 → ::808:808): ipaddr.js 2.5 reads any `::a.b.c.d` as IPv4-mapped, which
    // would let IPv4-compatible addresses pass as their IPv4 address. The zone (%eth0) goes too.
    addr = family === 4 ? ipaddr.IPv4.parse(ip) : ipaddr.IPv6.parse(new URL(`http://[${ip.split('%')[0]}]`).hostname.slice(1, -1));
  } catch {
    return false;
  }
  if (addr instanceof ipaddr.IPv6) {
    if (addr.isIPv4MappedAddress()) return addr.toIPv4Address().range() === 'unicast';
    if (!addr.match(V6_GLOBAL_UNICAST)) return false;
  }
  return addr.range() === 'unicast';
}

/** The URL if it is an http(s) URL without credentials; null otherwise. */
export function parseCallbackUrl(raw: string): URL | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  return url;
}
