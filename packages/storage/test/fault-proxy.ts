import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Pass, reset the connection, answer with an S3 error, pass with response headers replaced, or pass after a delay. */
export type Fault = 'pass' | 'reset' | { status: number; code: string } | { headers: Record<string, string> } | { delayMs: number };

export interface FaultProxy {
  endpoint: string;
  /** Requests seen, as "METHOD" in arrival order. */
  seen: string[];
  close(): Promise<void>;
}

/**
 * A small HTTP proxy in front of the S3 server that answers the n-th request
 * (1-based) with the fault `plan` chooses (see Fault).
 */
export async function startFaultProxy(target: string, plan: (n: number, req: http.IncomingMessage) => Fault): Promise<FaultProxy> {
  const upstream = new URL(target);
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.method ?? '?');
    const fault = plan(seen.length, req);
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
    if (typeof fault === 'object' && 'delayMs' in fault) {
      // Read the request (body included), hold it back, then pass it on, unless the client gave up meanwhile.
      const body: Buffer[] = [];
      let gone = false;
      req.on('data', (c: Buffer) => body.push(c));
      req.socket.once('close', () => (gone = true));
      setTimeout(() => {
        if (gone) return;
        const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        forward.on('error', () => req.socket.destroy());
        forward.end(Buffer.concat(body));
      }, fault.delayMs);
      return;
    }
    forwardTo(req, res, fault);
  });
  const forwardTo = (req: http.IncomingMessage, res: http.ServerResponse, fault: Fault) => {
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, typeof fault === 'object' && 'headers' in fault ? { ...up.headers, ...fault.headers } : up.headers);
      up.pipe(res);
    });
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
