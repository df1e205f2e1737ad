import { MAX_LOGGED_PATH, REDACTED, isSecretKey, loggedPath, redact, redactString } from '../src/redact';

describe('redaction by key name', () => {
  it.each(['authorization', 'Authorization', 'api_key', 'apiKey', 'API_KEYS', 'password', 'webhook_secret', 'signing_secret', 'secretAccessKey', 'token', 'session_token', 'X-Amz-Signature', 'x-amz-credential', 'credentials', 'cookie'])(
    '%s is secret',
    (key) => expect(isSecretKey(key)).toBe(true),
  );

  it.each(['job_id', 'correlation_id', 'token_ttl_seconds', 'key', 'owner', 'size_bytes', 'stage'])('%s is not', (key) => expect(isSecretKey(key)).toBe(false));

  it('replaces secret values at any depth, including inside arrays, without mutating the input', () => {
    const input = { job_id: 'j1', nested: { headers: { Authorization: 'Bearer abc', accept: 'json' }, list: [{ api_key: 'k' }] }, credentials: { accessKeyId: 'AKIA', secretAccessKey: 's' } };
    const out = redact(input) as typeof input;
    expect(out).toEqual({ job_id: 'j1', nested: { headers: { Authorization: REDACTED, accept: 'json' }, list: [{ api_key: REDACTED }] }, credentials: REDACTED });
    expect(input.nested.headers.Authorization).toBe('Bearer abc');
  });

  it('turns errors into plain objects with their message redacted', () => {
    const err = new Error('GET https://s3.example/b/k?X-Amz-Signature=deadbeef failed');
    const out = redact({ err }) as { err: { message: string; stack: string; name: string } };
    expect(out.err.name).toBe('Error');
    expect(out.err.message).toBe(`GET https://s3.example/b/k?X-Amz-Signature=${REDACTED} failed`);
    expect(out.err.stack).not.toContain('deadbeef');
  });
});

describe('redaction inside strings', () => {
  it('removes the signature, credential and session token of a presigned URL, keeping the rest', () => {
    const url =
      'https://bucket.s3.amazonaws.com/videos/o/j/video.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-Security-Token=FQoGZXIvYXdz&X-Amz-Signature=0123456789abcdef&X-Amz-SignedHeaders=host';
    const out = redactString(url);
    expect(out).toBe(
      `https://bucket.s3.amazonaws.com/videos/o/j/video.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${REDACTED}&X-Amz-Date=20240101T000000Z&X-Amz-Expires=3600&X-Amz-Security-Token=${REDACTED}&X-Amz-Signature=${REDACTED}&X-Amz-SignedHeaders=host`,
    );
  });

  it('removes token-like query values', () => {
    expect(redactString('/api/v1/videos/jobs/j/events?token=eyJhbGciOi.payload.sig&x=1')).toBe(`/api/v1/videos/jobs/j/events?token=${REDACTED}&x=1`);
    expect(redactString('https://hook.example/cb?a=1&access_token=abc123')).toBe(`https://hook.example/cb?a=1&access_token=${REDACTED}`);
  });

  it('removes Bearer and Basic credentials', () => {
    expect(redactString('header was Bearer sk_live_0123456789')).toBe(`header was Bearer ${REDACTED}`);
    expect(redactString('Authorization: Basic dXNlcjpwYXNz')).toBe(`Authorization: Basic ${REDACTED}`);
  });

  it('removes the password of a URL userinfo', () => {
    expect(redactString('connecting to redis://:hunter2@redis:6379/0')).toBe(`connecting to redis://:${REDACTED}@redis:6379/0`);
    expect(redactString('https://user:pa55@example.com/x')).toBe(`https://user:${REDACTED}@example.com/x`);
  });

  it('leaves ordinary text alone', () => {
    const text = 'job completed in 1200 ms: videos/owner/123/video.mp4 (token bucket refilled)';
    expect(redactString(text)).toBe(text);
  });
});

describe('redaction on hostile and long strings', () => {
  it('still redacts URL userinfo and signed URLs inside longer text', () => {
    const text = `upload to https://s3.example/b/k?X-Amz-Signature=abc&token=t1 failed; retrying via redis://default:pw@cache:6379 and postgres://u:p@db/x`;
    expect(redactString(text)).toBe(`upload to https://s3.example/b/k?X-Amz-Signature=${REDACTED}&token=${REDACTED} failed; retrying via redis://default:${REDACTED}@cache:6379 and postgres://u:${REDACTED}@db/x`);
  });

  it('leaves `a.a.a.…` and `://` floods unchanged (no match to find in them)', () => {
    // Compared as booleans: a failure must not print 16 KB strings.
    for (const s of ['/' + 'a.'.repeat(8000), '://'.repeat(5000), 'a://'.repeat(4000) + ':', 'Bearer !'.repeat(2000)]) expect(redactString(s) === s).toBe(true);
  });
});

describe('loggedPath', () => {
  it('drops the query string and cuts paths beyond 512 characters, saying how long they were', () => {
    expect(loggedPath('/api/v1/videos/jobs/j1/events?token=secret')).toBe('/api/v1/videos/jobs/j1/events');
    const long = '/' + 'x'.repeat(MAX_LOGGED_PATH + 99);
    expect(loggedPath(`${long}?q=1`)).toBe(`${long.slice(0, MAX_LOGGED_PATH)}…[${long.length} chars]`);
    expect(loggedPath('/' + 'y'.repeat(MAX_LOGGED_PATH - 1))).toHaveLength(MAX_LOGGED_PATH);
  });
});
