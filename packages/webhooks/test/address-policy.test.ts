import { isPublicAddress, parseCallbackUrl } from '@vidgen/webhooks';

describe('isPublicAddress', () => {
  // [address, allowed, why]: every IPv4 special range, and every IPv6 form that embeds or tunnels IPv4.
  const TABLE: ReadonlyArray<[string, boolean, string]> = [
    ['8.8.8.8', true, 'public IPv4'],
    ['1.1.1.1', true, 'public IPv4'],
    ['172.32.0.1', true, 'just above 172.16/12'],
    ['192.169.0.1', true, 'just above 192.168/16'],
    ['100.128.0.1', true, 'just above CGNAT'],
    ['2606:4700:4700::1111', true, 'public IPv6'],
    ['2a00:1450:4001:80b::200e', true, 'public IPv6'],
    ['::ffff:8.8.8.8', true, 'IPv4-mapped public: the IPv4 address itself'],
    ['0.0.0.0', false, 'this network'],
    ['127.0.0.1', false, 'loopback'],
    ['127.8.9.10', false, 'loopback'],
    ['10.1.2.3', false, 'private'],
    ['172.16.0.1', false, 'private'],
    ['172.31.255.255', false, 'private'],
    ['192.168.1.1', false, 'private'],
    ['169.254.169.254', false, 'link-local (cloud metadata)'],
    ['100.64.0.1', false, 'CGNAT'],
    ['192.0.0.8', false, 'IETF protocol assignments'],
    ['192.0.2.1', false, 'documentation'],
    ['198.18.0.1', false, 'benchmarking'],
    ['224.0.0.1', false, 'multicast'],
    ['240.0.0.1', false, 'reserved'],
    ['255.255.255.255', false, 'broadcast'],
    ['::', false, 'unspecified'],
    ['::1', false, 'loopback'],
    ['fe80::1', false, 'link-local'],
    ['fe80::1%eth0', false, 'link-local with a zone'],
    ['fc00::1', false, 'unique local'],
    ['fd12:3456::1', false, 'unique local'],
    ['fec0::1', false, 'site-local (deprecated)'],
    ['ff02::1', false, 'multicast'],
    ['::ffff:127.0.0.1', false, 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', false, 'IPv4-mapped private'],
    ['::ffff:a9fe:a9fe', false, 'IPv4-mapped link-local, hex form'],
    ['::127.0.0.1', false, 'IPv4-compatible (deprecated ::/96)'],
    ['::8.8.8.8', false, 'IPv4-compatible, even of a public address'],
    ['::ffff:0:127.0.0.1', false, 'IPv4-translated (RFC 6145)'],
    ['::ffff:0:8.8.8.8', false, 'IPv4-translated, even of a public address'],
    ['64:ff9b::7f00:1', false, 'NAT64 well-known prefix'],
    ['64:ff9b::8.8.8.8', false, 'NAT64, even of a public address'],
    ['64:ff9b:1::a00:1', false, 'NAT64 local-use prefix (RFC 8215)'],
    ['2002:7f00:1::1', false, '6to4 of 127.0.0.1'],
    ['2002:0808:0808::1', false, '6to4, even of a public address'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', false, 'Teredo'],
    ['2001::1', false, 'Teredo prefix'],
    ['100::1', false, 'discard-only (RFC 6666)'],
    ['2001:db8::1', false, 'documentation'],
    ['2001:2::1', false, 'benchmarking'],
    ['2001:20::1', false, 'ORCHIDv2'],
    ['3fff::1', false, 'documentation (RFC 9637)'],
    ['5f00::1', false, 'segment routing SIDs'],
    ['4000::1', false, 'outside 2000::/3: unallocated'],
    ['not-an-ip', false, 'not an address'],
    ['127.1', false, 'legacy shorthand no resolver returns'],
    ['0x7f.0.0.1', false, 'legacy hex form'],
  ];

  it.each(TABLE)('%s → %s (%s)', (ip, allowed) => expect(isPublicAddress(ip)).toBe(allowed));
});

describe('parseCallbackUrl', () => {
  it('accepts http(s) URLs without credentials only', () => {
    expect(parseCallbackUrl('https://hooks.example.com/x?y=1')?.hostname).toBe('hooks.example.com');
    expect(parseCallbackUrl('http://example.com')).not.toBeNull();
    expect(parseCallbackUrl('ftp://example.com')).toBeNull();
    expect(parseCallbackUrl('file:///etc/passwd')).toBeNull();
    expect(parseCallbackUrl('https://user:pw@example.com')).toBeNull();
    expect(parseCallbackUrl('not a url')).toBeNull();
  });
});
