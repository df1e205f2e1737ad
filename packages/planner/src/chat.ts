/**
 * One OpenAI-compatible chat-completions request (llama.cpp's server, Ollama, vLLM, LocalAI,
 * hosted APIs): Node's fetch with one AbortSignal over the whole exchange, headers and body,
 * so a server that never ends its answer is cut at the timeout like one that never starts.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ChatEndpoint {
  /** Up to and including /v1, e.g. http://127.0.0.1:8080/v1 (…/chat/completions is appended). */
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
  maxTokens: number;
}

export interface ChatRequest {
  messages: ChatMessage[];
  /** A JSON Schema for response_format; absent: a plain request (the prompt asks for JSON). */
  jsonSchema?: Record<string, unknown>;
  signal?: AbortSignal;
}

export type ChatFailure =
  | 'timeout'
  | 'http_error'
  | 'rate_limited'
  | 'network'
  | 'bad_response'
  /** The server refused response_format (400/422 naming it): ask again without it. */
  | 'format_unsupported'
  | 'cancelled';

export type ChatOutcome =
  | { ok: true; content: string; tokensIn: number; tokensOut: number; latencyMs: number }
  | { ok: false; failure: ChatFailure; status?: number; retryAfterMs?: number; message: string; latencyMs: number };

/** Largest answer read; a model answer of scenes is a few KB, so this only stops a runaway stream early. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`the answer is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether a 400/422 body says the server does not take response_format (llama.cpp, older Ollama, LocalAI word it differently). */
function refusesFormat(status: number, body: string): boolean {
  return (status === 400 || status === 422) && /response_format|json_schema|json schema|grammar/i.test(body);
}

/** Sends one request. Never rejects: the outcome says what happened. */
export async function chatCompletion(endpoint: ChatEndpoint, request: ChatRequest): Promise<ChatOutcome> {
  const { baseUrl, apiKey, model, timeoutMs, maxTokens } = endpoint;
  const started = Date.now();
  const latencyMs = () => Date.now() - started;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  const body: Record<string, unknown> = { model, messages: request.messages, max_tokens: maxTokens, temperature: 0.2, stream: false };
  if (request.jsonSchema) body.response_format = { type: 'json_schema', json_schema: { name: 'scene_plan', schema: request.jsonSchema, strict: false } };
  try {
    const response = await fetch(`${baseUrl.replace(/\/+$/, '')}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: JSON.stringify(body),
      signal,
      redirect: 'error',
    });
    const text = await readCapped(response, MAX_RESPONSE_BYTES);
    if (response.status === 429) {
      return { ok: false, failure: 'rate_limited', status: 429, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')), message: 'the endpoint answered 429 (rate limited)', latencyMs: latencyMs() };
    }
    if (!response.ok) {
      if (request.jsonSchema && refusesFormat(response.status, text)) {
        return { ok: false, failure: 'format_unsupported', status: response.status, message: `the endpoint refused response_format (${response.status})`, latencyMs: latencyMs() };
      }
      return { ok: false, failure: 'http_error', status: response.status, message: `the endpoint answered ${response.status}`, latencyMs: latencyMs() };
    }
    let parsed: { choices?: Array<{ message?: { content?: unknown } }>; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
    try {
      parsed = JSON.parse(text);
    } catch {
      return { ok: false, failure: 'bad_response', status: response.status, message: 'the endpoint answered with something that is not a chat completion (not JSON)', latencyMs: latencyMs() };
    }
    const content = parsed?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') {
      return { ok: false, failure: 'bad_response', status: response.status, message: 'the chat completion has no choices[0].message.content', latencyMs: latencyMs() };
    }
    const count = (n: unknown) => (typeof n === 'number' && Number.isFinite(n) && n >= 0 ? Math.round(n) : 0);
    return { ok: true, content, tokensIn: count(parsed.usage?.prompt_tokens), tokensOut: count(parsed.usage?.completion_tokens), latencyMs: latencyMs() };
  } catch (err) {
    if (request.signal?.aborted) return { ok: false, failure: 'cancelled', message: 'the job was cancelled', latencyMs: latencyMs() };
    if (timeout.aborted) return { ok: false, failure: 'timeout', message: `no complete answer within ${timeoutMs} ms`, latencyMs: latencyMs() };
    const cause = (err as { cause?: { code?: string } })?.cause?.code;
    return { ok: false, failure: 'network', message: `the request failed: ${cause ?? (err as Error)?.message ?? String(err)}`, latencyMs: latencyMs() };
  }
}
