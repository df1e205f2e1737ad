import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible chat-completions server that plays what a test (or
 * `pnpm planner:eval` without an endpoint) scripts: a plan, any text, an error status,
 * a 429 with Retry-After, silence, or an answer that never ends.
 */
export type FakeLlmReply =
  /** A completion whose message content is this text. */
  | { content: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  /** A completion whose content is this value as JSON. */
  | { json: unknown }
  /** An HTTP error with this status (and body, and headers such as Retry-After). */
  | { status: number; body?: string; headers?: Record<string, string> }
  /** Accepts the request and never answers. */
  | { hang: true }
  /** Answers 200 with headers and a first chunk, then trickles bytes forever. */
  | { neverEnd: true };

export interface FakeLlmRequest {
  /** Parsed body: model, messages, response_format, max_tokens. */
  body: { model?: string; messages?: Array<{ role: string; content: string }>; response_format?: unknown; max_tokens?: number };
  authorization: string | undefined;
  at: number;
}

export interface FakeLlm {
  /** The base URL, …/v1, as LLM_BASE_URL takes it. */
  baseUrl: string;
  requests: FakeLlmRequest[];
  close(): Promise<void>;
}

/** `script(request, index)` decides each answer; index counts requests from 0. */
export async function startFakeLlm(script: (request: FakeLlmRequest, index: number) => FakeLlmReply): Promise<FakeLlm> {
  const requests: FakeLlmRequest[] = [];
  const open = new Set<http.ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404).end();
        return;
      }
      let body: FakeLlmRequest['body'] = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad json"}}');
        return;
      }
      const request: FakeLlmRequest = { body, authorization: req.headers.authorization, at: Date.now() };
      const reply = script(request, requests.length);
      requests.push(request);
      if ('hang' in reply) {
        open.add(res);
        res.on('close', () => open.delete(res));
        return;
      }
      if ('neverEnd' in reply) {
        open.add(res);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"choices":[{"message":{"content":"');
        const timer = setInterval(() => res.write('.'), 20);
        timers.add(timer);
        res.on('close', () => {
          clearInterval(timer);
          timers.delete(timer);
          open.delete(res);
        });
        return;
      }
      if ('status' in reply) {
        res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.headers ?? {}) }).end(reply.body ?? JSON.stringify({ error: { message: `fake error ${reply.status}` } }));
        return;
      }
      const content = 'json' in reply ? JSON.stringify(reply.json) : reply.content;
      const usage = ('usage' in reply && reply.usage) || { prompt_tokens: 100 + requests.length, completion_tokens: Math.ceil(content.length / 4) };
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ id: `chatcmpl-fake-${requests.length}`, object: 'chat.completion', model: body.model ?? 'fake', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    async close() {
      for (const t of timers) clearInterval(t);
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A plan the fake can answer with: a title, `content` scenes of varied layouts, a closing. */
export function fakeScenePlan(titles: readonly string[]): { scenes: Array<Record<string, unknown>> } {
  const [first, ...rest] = titles;
  const last = rest.pop();
  const middle = rest.map((title, i) => {
    switch (i % 4) {
      case 0:
        return { layout: 'bullets', title, items: ['First point', 'Second point', 'Third point'] };
      case 1:
        return { layout: 'stat', title, value: 42, suffix: '%', label: 'of the examples' };
      case 2:
        return { layout: 'steps', title, items: ['Prepare', 'Run', 'Check'] };
      default:
        return { layout: 'text', title, text: 'A short paragraph that explains the idea.' };
    }
  });
  return {
    scenes: [{ layout: 'title', title: first ?? 'Title' }, ...middle, { layout: 'closing', title: last ?? 'The end', text: 'Thanks for watching.' }],
  };
}
