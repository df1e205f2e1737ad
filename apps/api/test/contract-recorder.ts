import type http from 'node:http';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** The parts of an OpenAPI 3.1 document the recorder reads. */
export interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
  webhooks?: Record<string, Record<string, Operation>>;
}
interface Operation {
  operationId: string;
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: unknown }> }>;
  requestBody?: { content: Record<string, { schema: unknown }> };
}

export interface ContractRecorder {
  /** "operationId status" of every answer seen, with how often. */
  seen: Map<string, number>;
  /** Everything that broke the contract, one line each. */
  problems: string[];
  /** Documented "operationId status" pairs (explicit statuses, not `default`) no answer exercised. */
  unexercised(): string[];
  /** Errors of `body` against a component schema (e.g. WebhookEvent); [] when it conforms. */
  conforms(schemaName: string, body: unknown): string[];
  detach(): void;
}

const ID = 'https://vidgen.invalid/openapi.json';

/**
 * Checks every answer `server` sends against the OpenAPI document: an operation's status must be
 * listed explicitly (`default` describes the error shape, it does not excuse an unlisted status),
 * a JSON body must match the status's schema, the media type must be a documented one, a status
 * documented without content must have no body, and every header the status documents as required must
 * be there. It records (operationId, status) for the coverage check. It sits in front of Express as
 * the first 'request' listener and copies what the answer writes; answers to paths the document
 * does not name (health, metrics, /docs) pass unchecked.
 */
export function attachContract(server: http.Server, doc: OpenApiDoc): ContractRecorder {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: ID, components: doc.components });
  const absolute = (schema: unknown) => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${ID}#/components/`)) as object;

  const operations = Object.entries(doc.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
      op,
    })),
  );
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (key: string, schema: unknown) => {
    let v = validators.get(key);
    if (!v) validators.set(key, (v = ajv.compile(absolute(schema))));
    return v;
  };

  const seen = new Map<string, number>();
  const problems: string[] = [];

  function check(op: Operation, status: number, headers: http.OutgoingHttpHeaders, body: Buffer | null): void {
    const where = `${op.operationId} ${status}`;
    seen.set(where, (seen.get(where) ?? 0) + 1);
    const documented = op.responses[String(status)];
    if (!documented) return void problems.push(`${where}: status not documented`);
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      if ((header as { required?: boolean }).required && headers[name.toLowerCase()] === undefined) problems.push(`${where}: required header ${name} missing`);
    }
    const type = String(headers['content-type'] ?? '').split(';')[0]!.trim();
    const content = documented.content;
    if (!content) {
      if (body && body.length > 0) problems.push(`${where}: documented without a body, sent ${body.length} bytes of ${type}`);
      return;
    }
    const media = content[type];
    if (!media) return void problems.push(`${where}: content type ${type || '(none)'} not documented (${Object.keys(content).join(', ')})`);
    if (type !== 'application/json' || body === null) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return void problems.push(`${where}: body is not JSON`);
    }
    const validate = validatorFor(where, media.schema);
    if (!validate(parsed)) problems.push(`${where}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`);
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = operations.find((o) => o.method === req.method && o.pattern.test(url.pathname));
    if (!match) return;
    const chunks: Buffer[] = [];
    let streaming = false;
    const keep = (chunk: unknown, encoding?: unknown) => {
      if (streaming || chunk === undefined || chunk === null || typeof chunk === 'function') return;
      // Event streams are long-lived: their frames are not kept, their status and type are checked.
      if (String(res.getHeader('content-type') ?? headed['content-type'] ?? '').startsWith('text/event-stream')) return void (streaming = true);
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    };
    // Headers handed to writeHead never show up in getHeaders(): keep them too.
    const headed: http.OutgoingHttpHeaders = {};
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      const given = args.find((a, i) => i > 0 && a !== null && typeof a === 'object');
      if (Array.isArray(given)) for (let i = 0; i + 1 < given.length; i += 2) headed[String(given[i]).toLowerCase()] = given[i + 1] as string;
      else if (given) for (const [k, v] of Object.entries(given)) headed[k.toLowerCase()] = v as string;
      return writeHead(...args);
    }) as typeof res.writeHead;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
    res.write = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return write(...args);
    }) as typeof res.write;
    res.end = ((...args: unknown[]) => {
      keep(args[0], args[1]);
      return end(...args);
    }) as typeof res.end;
    res.once('finish', () => check(match.op, res.statusCode, { ...res.getHeaders(), ...headed }, streaming ? null : Buffer.concat(chunks)));
  };
  server.prependListener('request', listener);

  return {
    seen,
    problems,
    unexercised: () =>
      operations.flatMap(({ op }) =>
        Object.keys(op.responses)
          .filter((status) => status !== 'default')
          .map((status) => `${op.operationId} ${status}`)
          .filter((key) => !seen.has(key)),
      ),
    conforms(schemaName, body) {
      const validate = ajv.getSchema(`${ID}#/components/schemas/${schemaName}`)!;
      return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
    },
    detach: () => void server.removeListener('request', listener),
  };
}
