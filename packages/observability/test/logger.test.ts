import { PassThrough } from 'node:stream';
import { createLogger } from '../src/logger';
import { runWithContext } from '../src/context';

function capture(format: 'json' | 'pretty') {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
  const logger = createLogger({ service: 'worker', version: '1.2.3', format, stream });
  return { logger, lines: () => text.split('\n').filter(Boolean) };
}

describe('log line format', () => {
  it('writes one JSON line per event with the service, version and the async context ids', async () => {
    const { logger, lines } = capture('json');
    await runWithContext({ correlation_id: 'corr-1', job_id: 'job-1', attempt: 2 }, async () => {
      await Promise.resolve();
      logger.info('stage finished', { stage: 'combining', duration_ms: 42 });
    });
    await new Promise((r) => setImmediate(r));
    expect(lines()).toHaveLength(1);
    const line = JSON.parse(lines()[0]!);
    expect(line).toMatchObject({ level: 'info', message: 'stage finished', service: 'worker', version: '1.2.3', correlation_id: 'corr-1', job_id: 'job-1', attempt: 2, stage: 'combining', duration_ms: 42 });
    expect(Number.isNaN(Date.parse(line.timestamp))).toBe(false);
  });

  it('drops lines below the level before formatting them (no redaction, no serialization)', async () => {
    const { logger, lines } = capture('json');
    let reads = 0;
    // winston copies the metadata shallowly; only redaction (a format) reads inside the nested object.
    const meta = {
      signed: {
        get url() {
          reads += 1;
          return 'http://s3/b/k?X-Amz-Signature=cafebabe';
        },
      },
    };
    logger.debug('signed url issued', meta);
    await new Promise((r) => setImmediate(r));
    expect(lines()).toHaveLength(0);
    expect(reads).toBe(0);
    logger.info('signed url issued', meta);
    await new Promise((r) => setImmediate(r));
    expect(lines()).toHaveLength(1);
    expect(reads).toBeGreaterThan(0);
    const debugging = createLogger({ service: 'api', level: 'debug', format: 'json', stream: new PassThrough() });
    let written = '';
    (debugging as unknown as { on(e: string, f: (info: { message: string }) => void): void }).on('data', (info) => (written += info.message));
    debugging.debug('kept at level debug');
    await new Promise((r) => setImmediate(r));
    expect(written).toBe('kept at level debug');
  });

  it('redacts secrets in the message, in metadata by key, inside strings and inside errors', async () => {
    const { logger, lines } = capture('json');
    logger.warn('calling https://hook.example/cb?token=t0ps3cret with Bearer abcdef123456', {
      webhook_secret: 'whsec_123',
      url: 'http://s3/b/k?X-Amz-Credential=AKIA%2Fx&X-Amz-Signature=cafebabe',
      err: new Error('redis://:hunter2@redis:6379 refused'),
    });
    await new Promise((r) => setImmediate(r));
    const text = lines().join('\n');
    for (const secret of ['t0ps3cret', 'abcdef123456', 'whsec_123', 'cafebabe', 'AKIA', 'hunter2']) expect(text).not.toContain(secret);
    expect(text).toContain('X-Amz-Signature=[redacted]');
  });

  it('pretty lines show the correlation id and are redacted too', async () => {
    const { logger, lines } = capture('pretty');
    runWithContext({ correlation_id: 'corr-pretty', job_id: 'j9' }, () => logger.info('signed url issued', { url: 'http://s3/b/k?X-Amz-Signature=cafebabe' }));
    await new Promise((r) => setImmediate(r));
    const [line] = lines();
    expect(line).toContain('cid=corr-pretty');
    expect(line).toContain('job=j9');
    expect(line).not.toContain('cafebabe');
    expect(() => JSON.parse(line!)).toThrow();
  });
});
