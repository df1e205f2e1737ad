import { VidgenError } from '@vidgen/core';
import { asRedisError } from '@vidgen/queue';

describe('asRedisError', () => {
  it.each([
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
    new Error('Connection is closed.'),
    new Error('LOADING Redis is loading the dataset in memory'),
    new Error('Command timed out'),
  ])('maps %p to REDIS_UNAVAILABLE', (err) => {
    expect(asRedisError(err)).toMatchObject({ code: 'REDIS_UNAVAILABLE', retryable: true, cause: err });
  });

  it('passes a command error and our own errors through', () => {
    const wrongType = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    expect(asRedisError(wrongType)).toBe(wrongType);
    const own = new VidgenError('JOB_NOT_FOUND');
    expect(asRedisError(own)).toBe(own);
  });
});
