import { isPublicAddress, parseCallbackUrl } from '@vidgen/webhooks';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:a9fe:a9fe',
    'ff02::1',
    'not-an-ip',
  ])('refuses %s', (ip) => expect(isPublicAddress(ip)).toBe(false));

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e', '::ffff:8.8.8.8'])('allows %s', (ip) =>
    expect(isPublicAddress(ip)).toBe(true),
  );
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
