import { createHmac } from 'node:crypto';
import { checkSignature, signatureHeader, verifySignature } from '@vidgen/webhooks';

describe('webhook signatures', () => {
  const body = '{"event":"job.completed","event_id":"evt_1","job":{}}';

  it('signs "t.body" with HMAC-SHA256 in the t=,v1= format', () => {
    const header = signatureHeader('s3cret-s3cret-s3cret', body, 1700000000.9);
    const expected = createHmac('sha256', 's3cret-s3cret-s3cret').update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own signature and rejects a wrong secret, a changed body, an old timestamp or garbage', () => {
    const header = signatureHeader('secret-one-secret-one', body, 1000);
    expect(verifySignature({ secret: 'secret-one-secret-one', body, header, nowSeconds: 1010 })).toBe(true);
    expect(verifySignature({ secret: 'secret-two-secret-two', body, header, nowSeconds: 1010 })).toBe(false);
    expect(verifySignature({ secret: 'secret-one-secret-one', body: body + ' ', header, nowSeconds: 1010 })).toBe(false);
    expect(verifySignature({ secret: 'secret-one-secret-one', body, header, nowSeconds: 1000 + 301 })).toBe(false);
    expect(verifySignature({ secret: 'secret-one-secret-one', body, header: 'garbage', nowSeconds: 1000 })).toBe(false);
    expect(verifySignature({ secret: 'secret-one-secret-one', body, header: undefined, nowSeconds: 1000 })).toBe(false);
  });

  it('says why a signature is refused', () => {
    const secret = 'secret-one-secret-one';
    const header = signatureHeader(secret, body, 1000);
    const check = (over: Partial<Parameters<typeof checkSignature>[0]>) => checkSignature({ secret, body, header, nowSeconds: 1010, ...over });
    expect(check({})).toBe('valid');
    expect(check({ header: undefined })).toBe('missing');
    expect(check({ header: 'garbage' })).toBe('malformed');
    expect(check({ header: 't=1000' })).toBe('malformed');
    expect(check({ nowSeconds: 1000 + 301 })).toBe('expired');
    expect(check({ nowSeconds: 1000 - 301 })).toBe('expired');
    expect(check({ nowSeconds: 1000 + 60, toleranceSeconds: 30 })).toBe('expired');
    expect(check({ body: body + ' ' })).toBe('mismatch');
    expect(check({ secret: 'secret-two-secret-two' })).toBe('mismatch');
  });
});
