import net from 'node:net';

/**
 * Redis MONITOR over a plain socket. MONITOR output is one simple-string line
 * per command (`+1700000000.123456 [0 127.0.0.1:5000] "evalsha" "abc" "2" ...`),
 * so a line reader is all it takes. The suite used ioredis' `monitor()` before,
 * and around the Redis SIGKILL its reply queue sometimes went out of step
 * ("Command queue state error") and took the harness down with it; a socket
 * that just closes when Redis dies cannot get out of step.
 */
export interface MonitorConnection {
  close(): void;
}

/** Parses the quoted arguments of one MONITOR line (Redis escapes `"`, `\`, \n, \r, \t, \a, \b and \xHH). Pure. */
export function parseMonitorLine(line: string): string[] | null {
  if (!line.startsWith('+') || line === '+OK') return null;
  const start = line.indexOf('] ');
  if (start < 0) return null;
  const args: string[] = [];
  let i = start + 2;
  while (i < line.length) {
    if (line[i] === ' ') {
      i += 1;
      continue;
    }
    if (line[i] !== '"') return null;
    i += 1;
    let arg = '';
    for (;;) {
      if (i >= line.length) return null;
      const c = line[i]!;
      if (c === '"') {
        i += 1;
        break;
      }
      if (c !== '\\') {
        arg += c;
        i += 1;
        continue;
      }
      const e = line[i + 1];
      if (e === 'x') {
        arg += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      arg += ({ n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' } as Record<string, string>)[e ?? ''] ?? e ?? '';
      i += 2;
    }
    args.push(arg);
  }
  return args;
}

/** Connects, sends MONITOR and calls `onCommand` with each command's arguments. Never throws after it resolves. */
export function monitorRedis(port: number, onCommand: (args: string[]) => void): Promise<MonitorConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let partial = '';
    let ready = false;
    socket.setEncoding('latin1');
    socket.unref(); // a passive observer: never what keeps the process alive
    socket.once('connect', () => socket.write('MONITOR\r\n'));
    socket.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\r\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!ready) {
          if (line !== '+OK') return (socket.destroy(), reject(new Error(`MONITOR refused: ${line}`)));
          ready = true;
          resolve({ close: () => socket.destroy() });
          continue;
        }
        const args = parseMonitorLine(line);
        if (args) onCommand(args);
      }
    });
    socket.on('error', (err) => (ready ? undefined : reject(err)));
  });
}
