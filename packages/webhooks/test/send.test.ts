import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from '@vidgen/embedded';
import { sendWebhook } from '@vidgen/webhooks';

let server: http.Server;
let port: number;
const received: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
let answer = 200;
/** 'drip': send the status at once, then one body byte every 100 ms, forever; 'silent': accept and never answer. */
let behaviour: 'normal' | 'drip' | 'silent' = 'normal';
const drips: NodeJS.Timeout[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (behaviour === 'silent') return;
      res.statusCode = answer;
      if (behaviour === 'drip') {
        res.flushHeaders();
        drips.push(setInterval(() => res.write('.'), 100));
        return;
      }
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  drips.forEach(clearInterval);
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

describe('sendWebhook (a real local receiver)', () => {
  it('answers with the status as soon as it is known, even when the receiver drips its body forever', async () => {
    behaviour = 'drip';
    answer = 200;
    try {
      const result = await sendWebhook({ url: `http://127.0.0.1:${port}/drip`, body: '{}', headers: {}, timeoutMs: 5000, allowPrivate: true });
      expect(result.statusCode).toBe(200);
    } finally {
      behaviour = 'normal';
    }
  });

  it('gives up at the deadline when the receiver never answers', async () => {
    behaviour = 'silent';
    try {
      await expect(sendWebhook({ url: `http://127.0.0.1:${port}/silent`, body: '{}', headers: {}, timeoutMs: 300, allowPrivate: true })).rejects.toMatchObject({ code: 'WEBHOOK_DELIVERY_FAILED' });
    } finally {
      behaviour = 'normal';
    }
  });


  it('POSTs the body with the headers when private addresses are allowed, and reports the status', async () => {
    answer = 204;
    const result = await sendWebhook({ url: `http://127.0.0.1:${port}/hook`, body: '{"a":1}', headers: { 'X-Test': 'yes' }, timeoutMs: 2000, allowPrivate: true });
    expect(result.statusCode).toBe(204);
    const last = received.at(-1)!;
    expect(last.body).toBe('{"a":1}');
    expect(last.headers['x-test']).toBe('yes');
    expect(last.headers['content-type']).toBe('application/json');
  });

  it('refuses a literal private address before connecting', async () => {
    const before = received.length;
    await expect(sendWebhook({ url: `http://127.0.0.1:${port}/hook`, body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: false })).rejects.toMatchObject({
      code: 'CALLBACK_URL_NOT_ALLOWED',
    });
    expect(received.length).toBe(before);
  });

  it('refuses a name that resolves to a private address, after DNS', async () => {
    const before = received.length;
    await expect(sendWebhook({ url: `http://localhost:${port}/hook`, body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: false })).rejects.toMatchObject({
      code: 'CALLBACK_URL_NOT_ALLOWED',
    });
    // A name whose resolver answers a public and a private address is refused too (no picking the safe one).
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    await expect(sendWebhook({ url: `http://hooks.example.test:${port}/`, body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: false, resolve })).rejects.toMatchObject({
      code: 'CALLBACK_URL_NOT_ALLOWED',
    });
    expect(received.length).toBe(before);
  });

  it('connects to the address the lookup checked (pinned), whatever the host name says', async () => {
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    answer = 200;
    const result = await sendWebhook({ url: `http://pinned.example.test:${port}/p`, body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: true, resolve });
    expect(result).toEqual({ statusCode: 200, address: '127.0.0.1' });
    expect(received.at(-1)!.headers.host).toBe(`pinned.example.test:${port}`);
  });

  it('refuses non-http schemes and reports a connection failure as WEBHOOK_DELIVERY_FAILED', async () => {
    await expect(sendWebhook({ url: 'ftp://example.com/x', body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: true })).rejects.toMatchObject({ code: 'CALLBACK_URL_NOT_ALLOWED' });
    const closedPort = await freePort(); // nothing listens there
    await expect(sendWebhook({ url: `http://127.0.0.1:${closedPort}/`, body: '{}', headers: {}, timeoutMs: 2000, allowPrivate: true })).rejects.toMatchObject({
      code: 'WEBHOOK_DELIVERY_FAILED',
    });
  });
});
