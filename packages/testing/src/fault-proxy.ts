import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does with one request: pass it, reset the connection, answer
 * with an S3 error, pass it with response headers replaced, pass it after a
 * delay, or pass it with its body trickled to the server (a slow client or a
 * slow network: `chunkBytes` at a time, `pauseMs` between chunks).
 */
export type Fault =
  | 'pass'
  | 'reset'
  | { status: number; code: string }
  | { headers: Record<string, string> }
  | { delayMs: number }
  | { slowBody: { chunkBytes: number; pauseMs: number } };

/** One request the proxy saw, in arrival order. */
export interface SeenRequest {
  method: string;
  /** The request path and query, as sent (path-style: /<bucket>/<key>?…). */
  url: string;
  /** What the plan chose for it. */
  fault: 'pass' | 'reset' | 'status' | 'headers' | 'delay' | 'slow';
}

export interface FaultProxy {
  endpoint: string;
  /** Requests seen, as "METHOD" in arrival order. */
  seen: string[];
  /** The same requests with their URL and fault (chaos suites count them per job). */
  requests: SeenRequest[];
  close(): Promise<void>;
}

function kindOf(fault: Fault): SeenRequest['fault'] {
  if (fault === 'pass' || fault === 'reset') return fault;
  if ('status' in fault) return 'status';
  if ('headers' in fault) return 'headers';
  if ('delayMs' in fault) return 'delay';
  return 'slow';
}

/**
 * A small HTTP proxy in front of an S3 server that answers the n-th request
 * (1-based) with the fault `plan` chooses (see Fault). Shared by the storage
 * tests and the chaos and soak suites (tools/chaos).
 */
export async function startFaultProxy(target: string, plan: (n: number, req: http.IncomingMessage) => Fault): Promise<FaultProxy> {
  const upstream = new URL(target);
  const seen: string[] = [];
  const requests: SeenRequest[] = [];
  // The pauses of delayed and slow requests: close() clears them, so a closed proxy holds no timer (a test's process can exit).
  const pauses = new Set<NodeJS.Timeout>();
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        pauses.delete(timer);
        resolve();
      }, ms);
      pauses.add(timer);
    });
  const open = (req: http.IncomingMessage, res: http.ServerResponse, headers?: Record<string, string>) => {
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, headers ? { ...up.headers, ...headers } : up.headers);
      up.pipe(res);
    });
    forward.on('error', () => req.socket.destroy());
    return forward;
  };
  const server = http.createServer((req, res) => {
    seen.push(req.method ?? '?');
    const fault = plan(seen.length, req);
    requests.push({ method: req.method ?? '?', url: req.url ?? '', fault: kindOf(fault) });
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault !== 'pass' && 'status' in fault) {
      req.resume();
      req.on('end', () => {
        res.writeHead(fault.status, { 'Content-Type': 'application/xml', Connection: 'close' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`);
      });
      return;
    }
    if (typeof fault === 'object' && ('delayMs' in fault || 'slowBody' in fault)) {
      // Read the request (body included), then pass it on late or slowly, unless the client gave up meanwhile.
      const body: Buffer[] = [];
      let gone = false;
      req.on('data', (c: Buffer) => body.push(c));
      req.socket.once('close', () => (gone = true));
      const sendLater = async () => {
        const whole = Buffer.concat(body);
        const forward = open(req, res);
        if ('delayMs' in fault) {
          await pause(fault.delayMs);
          if (gone) return void forward.destroy();
          forward.end(whole);
          return;
        }
        const { chunkBytes, pauseMs } = fault.slowBody;
        for (let at = 0; at < whole.length; at += chunkBytes) {
          if (gone) return void forward.destroy();
          forward.write(whole.subarray(at, at + chunkBytes));
          await pause(pauseMs);
        }
        forward.end();
      };
      req.on('end', () => void sendLater());
      return;
    }
    req.pipe(open(req, res, typeof fault === 'object' && 'headers' in fault ? fault.headers : undefined));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    requests,
    close: () =>
      new Promise<void>((r) => {
        for (const timer of pauses) clearTimeout(timer);
        pauses.clear();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
