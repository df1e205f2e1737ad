import { startRedisServer } from '@vidgen/embedded';
import Redis from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { monitorRedis, parseMonitorLine } from '@vidgen/chaos';

describe('parseMonitorLine', () => {
  it('reads the quoted arguments, with the escapes Redis writes', () => {
    expect(parseMonitorLine('+1700000000.123456 [0 127.0.0.1:5000] "evalsha" "ab\\"c" "2" "k:job:{x}" "a\\\\b" "\\x00\\n"')).toEqual(['evalsha', 'ab"c', '2', 'k:job:{x}', 'a\\b', '\u0000\n']);
    expect(parseMonitorLine('+1700000000.1 [0 lua] "hset" "k" "f" ""')).toEqual(['hset', 'k', 'f', '']);
  });

  it('ignores the OK reply and anything that is not a MONITOR line', () => {
    expect(parseMonitorLine('+OK')).toBeNull();
    expect(parseMonitorLine('-ERR no')).toBeNull();
    expect(parseMonitorLine('+1700000000.1 [0 lua] "unterminated')).toBeNull();
  });
});

it('sees the commands of another client on a private redis-server, and goes quiet without an error when Redis is SIGKILLed', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-monitor-'));
  const server = await startRedisServer({ dir });
  const client = new Redis(server.url, { retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    const seen: string[][] = [];
    const monitor = await monitorRedis(server.port, (args) => seen.push(args));
    await client.hset('k:job:{j1}', 'status', 'completed');
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toContainEqual(['hset', 'k:job:{j1}', 'status', 'completed']);
    await client.quit();
    await server.kill();
    await new Promise((r) => setTimeout(r, 100));
    monitor.close();
  } finally {
    client.disconnect();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
