import http from 'node:http';

export interface SseEvent {
  id: number;
  data: {
    job_id: string;
    status: string;
    progress: { percentage: number; stage: string; stage_percentage: number; stages: Array<{ name: string; status: string }>; eta_seconds: number | null };
  };
}

/** An event with an `event:` type (not a progress message), e.g. the server's `event: reconnect`. */
export interface SseNamedEvent {
  event: string;
  id: string | undefined;
  data: Record<string, unknown>;
}

export interface SseStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The JSON body of a non-200 answer. */
  body: unknown;
  /** Progress messages (no `event:` field), in order. */
  events: SseEvent[];
  /** Events with an `event:` field, in order. */
  named: SseNamedEvent[];
  /** Every `retry:` value the server sent, in order. */
  retries: number[];
  comments: string[];
  /** True once the server ended the stream. */
  readonly ended: boolean;
  close(): void;
}

/**
 * A minimal SSE client over node:http that parses frames itself (no
 * EventSource): it records every event and comment and whether the server
 * ended the stream.
 */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      let ended = false;
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        body: null,
        events: [],
        named: [],
        retries: [],
        comments: [],
        get ended() {
          return ended;
        },
        close: () => req.destroy(),
      };
      if (stream.status !== 200) {
        res.on('data', (d: string) => (buffer += d));
        res.on('end', () => {
          // 204 (a stream that has ended for this client) has no body.
          stream.body = buffer ? JSON.parse(buffer) : null;
          resolve(stream);
        });
        return;
      }
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let id: string | undefined;
          let event: string | undefined;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) stream.comments.push(line.slice(1).trim());
            else if (line.startsWith('id:')) id = line.slice(3).trim();
            else if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('retry:')) stream.retries.push(Number(line.slice(6).trim()));
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length === 0) continue;
          if (event !== undefined && event !== 'message') stream.named.push({ event, id, data: JSON.parse(data.join('\n')) as Record<string, unknown> });
          else stream.events.push({ id: Number(id), data: JSON.parse(data.join('\n')) as SseEvent['data'] });
        }
      });
      res.on('end', () => (ended = true));
      res.on('error', () => (ended = true));
      resolve(stream);
    });
    req.on('error', reject);
  });
}
