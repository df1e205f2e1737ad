import { ERROR_CATEGORIES, ERROR_CODES, JOB_STATUSES, STAGE_NAMES, generateRequestSchema, jobErrorSchema, jobRecordSchema, joiToJsonSchema, sceneInputJsonSchema, type JsonSchema } from '@vidgen/core';
import { metadataPatchSchema } from '@vidgen/metadata';
import { listQuerySchema } from './routes/job-control';
import { versionsQuerySchema } from './routes/metadata';

/**
 * The OpenAPI 3.1 document of /api/v1, built from the same joi schemas the routes validate with
 * (through core's joiToJsonSchema), so a field added to a request schema shows up here without a
 * second hand-kept copy. Response shapes the routes assemble by hand are written out below.
 */
export function buildOpenApiDocument(options: { version?: string; serverUrl?: string } = {}): JsonSchema {
  const { version = '0.1.0', serverUrl } = options;
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
  const correlationHeader = { 'X-Correlation-ID': { description: 'The request\'s correlation id (sent or made).', required: true, schema: { type: 'string' } } };
  const error = (description: string) => ({ description, headers: correlationHeader, content: json(ref('ErrorResponse')) });
  const retryAfter = { 'Retry-After': { description: 'Seconds to wait before trying again; absent when waiting would not help (a job longer than the whole budget).', schema: { type: 'integer', minimum: 0 } } };
  const jobId = { $ref: '#/components/parameters/JobId' };
  const correlation = { $ref: '#/components/parameters/CorrelationId' };
  const common = { '401': error('No or an unknown API key (UNAUTHENTICATED).'), default: error('Any other error, with its code.') };
  const record = joiToJsonSchema(jobRecordSchema) as { properties: Record<string, JsonSchema> };
  // Query parameters from the routes' joi schemas, one parameter per key.
  const queryParams = (schema: JsonSchema) =>
    Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>).map(([name, s]) => ({ name, in: 'query', required: false, schema: s }));
  const nullableString = { type: ['string', 'null'] };
  const nullableNumber = { type: ['number', 'null'] };

  const generate = joiToJsonSchema(generateRequestSchema) as { properties: { configuration: { properties: Record<string, JsonSchema> } } };
  const configuration = generate.properties.configuration.properties;
  configuration.scenes = { ...configuration.scenes, items: ref('SceneInput') };

  const schemas: Record<string, JsonSchema> = {
    GenerateRequest: generate,
    SceneInput: sceneInputJsonSchema(),
    MetadataPatch: { ...joiToJsonSchema(metadataPatchSchema), minProperties: 1 },
    ErrorCode: { type: 'string', enum: Object.keys(ERROR_CODES), description: 'Each code has a section in docs/troubleshooting.md.' },
    Error: {
      type: 'object',
      properties: {
        code: ref('ErrorCode'),
        category: { enum: [...ERROR_CATEGORIES] },
        message: { type: 'string' },
        suggested_action: { type: 'string' },
        retryable: { type: 'boolean' },
        correlation_id: nullableString,
        docs: { type: 'string', description: 'docs/troubleshooting.md#<code in lower case>' },
        details: { description: 'For VALIDATION_FAILED: the fields at fault; otherwise code-specific.' },
      },
      required: ['code', 'category', 'message', 'suggested_action', 'retryable', 'correlation_id', 'docs'],
      additionalProperties: false,
    },
    ErrorResponse: { type: 'object', properties: { error: ref('Error') }, required: ['error'], additionalProperties: false },
    JobError: joiToJsonSchema(jobErrorSchema),
    Job: {
      type: 'object',
      description: 'A job as GET /jobs/{job_id} shows it.',
      properties: {
        job_id: { type: 'string', format: 'uuid' },
        status: { enum: [...JOB_STATUSES] },
        queue_position: { type: ['integer', 'null'], minimum: 0, description: 'Only while queued: jobs that would run before it.' },
        progress: ref('JobProgress'),
        configuration: generate.properties.configuration,
        attempt: { type: 'integer', minimum: 0 },
        created_at: { type: 'string', format: 'date-time' },
        updated_at: { type: 'string', format: 'date-time' },
        started_at: { type: ['string', 'null'], format: 'date-time' },
        completed_at: { type: ['string', 'null'], format: 'date-time' },
        error: { anyOf: [ref('JobError'), { type: 'null' }] },
        last_error: { anyOf: [ref('JobError'), { type: 'null' }] },
        warnings: record.properties.warnings!,
        result: {
          anyOf: [
            {
              type: 'object',
              properties: {
                video_url: nullableString,
                video_url_expires_at: { type: ['string', 'null'], format: 'date-time' },
                download_url: nullableString,
                hls_url: nullableString,
                subtitles_url: nullableString,
                poster_url: nullableString,
                storyboard_url: nullableString,
                duration_seconds: { type: 'number', minimum: 0 },
                outputs: (record.properties.result as { type: unknown; properties: Record<string, JsonSchema> }).properties.outputs!,
              },
              required: ['video_url', 'download_url', 'hls_url', 'duration_seconds', 'outputs'],
              additionalProperties: false,
            },
            { type: 'null' },
          ],
        },
        webhook: {
          anyOf: [
            {
              type: 'object',
              properties: {
                callback_url: { type: 'string', format: 'uri' },
                deliveries: {
                  type: 'array',
                  description: 'The delivery attempts, oldest first.',
                  items: {
                    type: 'object',
                    properties: {
                      event_id: { type: 'string' },
                      event: { type: 'string' },
                      attempt: { type: 'integer', minimum: 1 },
                      attempted_at: { type: 'string', format: 'date-time' },
                      status_code: { type: ['integer', 'null'], description: "The receiver's status; null: no answer." },
                      ok: { type: 'boolean' },
                      duration_ms: { type: 'number', minimum: 0 },
                      error_code: { type: 'string' },
                      error: { type: 'string' },
                      will_retry: { type: 'boolean' },
                    },
                    required: ['event_id', 'event', 'attempt', 'attempted_at', 'status_code', 'ok', 'duration_ms'],
                    additionalProperties: false,
                  },
                },
              },
              required: ['callback_url', 'deliveries'],
              additionalProperties: false,
            },
            { type: 'null' },
          ],
        },
        links: {
          type: 'object',
          properties: { self: { type: 'string', format: 'uri' }, events: { type: 'string', format: 'uri', description: 'Carries a short-lived `token` for EventSource.' } },
          required: ['self', 'events'],
          additionalProperties: false,
        },
      },
      required: ['job_id', 'status', 'progress', 'configuration', 'attempt', 'created_at', 'updated_at', 'started_at', 'completed_at', 'error', 'last_error', 'warnings', 'result', 'webhook', 'links'],
      additionalProperties: false,
    },
    JobProgress: {
      description: 'Where a job is: overall, per stage, and the estimated time left.',
      type: 'object',
      properties: {
        percentage: { type: 'number', minimum: 0, maximum: 100 },
        stage: { type: 'string' },
        stage_percentage: { type: 'number', minimum: 0, maximum: 100 },
        stages: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { enum: [...STAGE_NAMES] },
              status: { enum: ['pending', 'active', 'done', 'skipped', 'failed'] },
              started_at: { type: ['string', 'null'], format: 'date-time' },
              completed_at: { type: ['string', 'null'], format: 'date-time' },
              duration_ms: { type: ['number', 'null'] },
              detail: { type: 'object', description: 'What the stage told about itself (planning: planner, model, tokens_in/out, latency_ms…).' },
            },
            required: ['name', 'status', 'started_at', 'completed_at', 'duration_ms'],
            additionalProperties: false,
          },
        },
        eta_seconds: nullableNumber,
      },
      required: ['percentage', 'stage', 'stage_percentage', 'stages', 'eta_seconds'],
      additionalProperties: false,
    },
    JobEventData: {
      type: 'object',
      description: 'The data of a progress event (no `event:` field; `id:` is the progress version, for Last-Event-ID).',
      properties: { job_id: { type: 'string', format: 'uuid' }, status: { enum: [...JOB_STATUSES] }, progress: ref('JobProgress') },
      required: ['job_id', 'status', 'progress'],
      additionalProperties: false,
    },
    QueuePositionEventData: {
      type: 'object',
      description: 'The data of `event: queue_position` (no id): jobs that would run before this one; null: not in the wait list now.',
      properties: { job_id: { type: 'string', format: 'uuid' }, queue_position: { type: ['integer', 'null'], minimum: 0 } },
      required: ['job_id', 'queue_position'],
      additionalProperties: false,
    },
    ReconnectEventData: {
      type: 'object',
      description: 'The data of `event: reconnect` (no id), the last frame of a stream the server ends while the job runs: reconnect with Last-Event-ID after `retry_ms`, or open `url` (a fresh token).',
      properties: {
        job_id: { type: 'string', format: 'uuid' },
        reason: { enum: ['max_lifetime', 'shutdown'] },
        last_event_id: { type: ['integer', 'null'] },
        url: { type: 'string', format: 'uri' },
        retry_ms: { type: 'integer', minimum: 0 },
      },
      required: ['job_id', 'reason', 'last_event_id', 'url', 'retry_ms'],
      additionalProperties: false,
    },
    JobAccepted: {
      type: 'object',
      description: 'What POST /generate answers: GET `links.self` for the whole job.',
      properties: {
        job_id: { type: 'string', format: 'uuid' },
        status: { enum: [...JOB_STATUSES] },
        progress: record.properties.progress!,
        links: { type: 'object', properties: { self: { type: 'string', format: 'uri' } }, required: ['self'], additionalProperties: false },
      },
      required: ['job_id', 'status', 'progress', 'links'],
      additionalProperties: false,
    },
    JobList: {
      type: 'object',
      properties: { jobs: { type: 'array', items: ref('Job') }, next_cursor: nullableString },
      required: ['jobs', 'next_cursor'],
      additionalProperties: false,
    },
    Usage: {
      type: 'object',
      properties: {
        window_seconds: { type: 'number' },
        video_seconds: {
          type: 'object',
          properties: { limit: nullableNumber, used: nullableNumber, reserved: nullableNumber, remaining: nullableNumber, next_free_at: { type: ['string', 'null'], format: 'date-time' } },
          required: ['limit', 'used', 'reserved', 'remaining', 'next_free_at'],
          additionalProperties: false,
        },
        jobs: {
          type: 'object',
          properties: { running: { type: 'integer' }, queued: { type: ['integer', 'null'] }, max_running: { type: ['integer', 'null'] }, max_queued: { type: ['integer', 'null'] } },
          required: ['running', 'queued', 'max_running', 'max_queued'],
          additionalProperties: false,
        },
      },
      required: ['window_seconds', 'video_seconds', 'jobs'],
      additionalProperties: false,
    },
    Capabilities: {
      type: 'object',
      description: 'What a configuration may contain; see README (API) and docs/scenes.md.',
      properties: {
        version: { type: 'integer', description: 'The scene model version.' },
        qualities: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              label: { type: 'string' },
              fps: { type: 'number' },
              allowed: { type: 'boolean', description: 'False: this deployment refuses it (ultra without ALLOW_ULTRA).' },
              sizes: { type: 'object', description: 'Frame size per aspect.', additionalProperties: { type: 'object', properties: { width: { type: 'integer' }, height: { type: 'integer' } }, required: ['width', 'height'], additionalProperties: false } },
            },
            required: ['name', 'label', 'fps', 'allowed', 'sizes'],
            additionalProperties: false,
          },
        },
        aspects: { type: 'array', items: { type: 'string' } },
        default_aspect: { type: 'string' },
        themes: { type: 'array', items: { type: 'string' } },
        default_theme: { type: 'string' },
        layouts: {
          type: 'array',
          items: {
            type: 'object',
            properties: { name: { type: 'string' }, required: { type: 'array', items: { type: 'string' } }, optional: { type: 'array', items: { type: 'string' } } },
            required: ['name', 'required', 'optional'],
            additionalProperties: false,
          },
        },
        transitions: { type: 'array', items: { type: 'string' } },
        default_transition: { type: 'string' },
        animations: { type: 'array', items: { type: 'string' } },
        chart_types: { type: 'array', items: { type: 'string' } },
        timing: { type: 'object', additionalProperties: { type: 'number' } },
        icon_set: { type: 'object' },
        icons: { type: 'array', items: { type: 'string' } },
        limits: { type: 'object', description: 'Bounds of scenes, the video and narration; see docs/scenes.md.' },
        narration: {
          type: 'object',
          properties: { enabled: { type: 'boolean' }, default: { type: 'boolean' }, engines: { type: 'array', items: { type: 'string' } } },
          required: ['enabled', 'default', 'engines'],
          additionalProperties: false,
        },
        music_presets: { type: 'array', items: { type: 'string' } },
        caption_modes: { type: 'array', items: { type: 'string' } },
        planners: {
          type: 'object',
          properties: {
            default: { type: 'string' },
            available: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, model: { type: 'string' } }, required: ['name'], additionalProperties: false } },
          },
          required: ['default', 'available'],
          additionalProperties: false,
        },
        voices: {
          type: 'array',
          description: 'The voices live workers announce now; none without narration.',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string', description: '`<engine>:<name>`, what configuration.voice names.' },
              engine: { type: 'string' },
              name: { type: 'string' },
              workers: { type: 'integer', minimum: 1, description: 'How many live workers offer it.' },
            },
            required: ['id', 'engine', 'name', 'workers'],
            additionalProperties: false,
          },
        },
        default_voice: { type: ['string', 'null'], description: 'The voice used when a job names none (null: none).' },
      },
      required: ['version', 'qualities', 'aspects', 'default_aspect', 'themes', 'default_theme', 'layouts', 'transitions', 'default_transition', 'icons', 'narration', 'planners', 'voices'],
      additionalProperties: false,
    },
    Plan: {
      type: 'object',
      properties: {
        plan: {
          type: 'object',
          properties: {
            version: { type: 'integer' },
            quality: { type: 'string' },
            width: { type: 'integer', minimum: 1 },
            height: { type: 'integer', minimum: 1 },
            fps: { type: 'number', exclusiveMinimum: 0 },
            aspect: { type: 'string' },
            theme: { type: 'string' },
            progress_bar: { type: 'boolean' },
            total_frames: { type: 'integer', minimum: 0 },
            total_seconds: { type: 'number', minimum: 0 },
            scenes: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  index: { type: 'integer', minimum: 0 },
                  layout: { type: 'string' },
                  kind: { type: 'string' },
                  content: { type: 'object', description: "The scene's fields for its layout (see docs/scenes.md)." },
                  start_seconds: { type: 'number', minimum: 0 },
                  duration_seconds: { type: 'number', exclusiveMinimum: 0 },
                  transition: { type: 'object', properties: { type: { type: 'string' }, seconds: { type: 'number', minimum: 0 } }, required: ['type', 'seconds'], additionalProperties: false },
                  animation: { description: 'The entrance animation.' },
                  timeline: { description: 'When each element enters (see docs/scenes.md).' },
                },
                required: ['index', 'layout', 'kind', 'content', 'start_seconds', 'duration_seconds', 'transition'],
                additionalProperties: false,
              },
            },
          },
          required: ['version', 'width', 'height', 'fps', 'aspect', 'theme', 'total_frames', 'total_seconds', 'scenes'],
          additionalProperties: false,
        },
        planner: { type: 'object', description: 'Which planner made the scenes and what it reported (model, tokens, latency…).' },
        warnings: { type: 'array', items: { type: 'object' } },
      },
      required: ['plan', 'planner', 'warnings'],
      additionalProperties: false,
    },
    Metadata: {
      type: 'object',
      description: 'Title, description, tags, media facts and signed URLs; see README (API).',
      properties: {
        job_id: { type: 'string', format: 'uuid' },
        video_id: { type: 'string' },
        version: { type: 'integer', minimum: 1 },
        title: { type: 'string' },
        description: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' } },
        duration_seconds: { type: 'number', minimum: 0 },
        width: { type: 'integer' },
        height: { type: 'integer' },
        fps: { type: 'number' },
        video_codec: { type: 'string' },
        audio_codec: nullableString,
        audio_channels: { type: ['integer', 'null'] },
        audio_sample_rate: { type: ['integer', 'null'] },
        bit_rate: { type: ['integer', 'null'] },
        rotation: { type: 'number' },
        size_bytes: { type: 'integer', minimum: 0 },
        format: { type: 'string' },
        renditions: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              label: { type: 'string' },
              format: { type: 'string' },
              key: { type: 'string' },
              url: { type: 'string', format: 'uri' },
              width: { type: 'integer' },
              height: { type: 'integer' },
              fps: { type: 'number' },
              bit_rate: { type: ['integer', 'null'] },
              size_bytes: { type: 'integer' },
              duration_seconds: { type: 'number' },
              video_codec: { type: 'string' },
              audio_codec: nullableString,
            },
            required: ['label', 'format', 'key', 'url', 'width', 'height', 'fps', 'bit_rate', 'size_bytes', 'duration_seconds', 'video_codec', 'audio_codec'],
            additionalProperties: false,
          },
        },
        urls: {
          type: 'object',
          properties: { video: nullableString, download: nullableString, expires_at: { type: 'string', format: 'date-time' } },
          required: ['video', 'download', 'expires_at'],
          additionalProperties: false,
        },
        thumbnails: {
          type: 'array',
          items: {
            type: 'object',
            properties: { url: { type: 'string', format: 'uri' }, width: { type: 'integer' }, height: { type: 'integer' }, time_seconds: { type: 'number' } },
            required: ['url', 'width', 'height', 'time_seconds'],
            additionalProperties: false,
          },
        },
        poster: {
          anyOf: [
            { type: 'object', properties: { url: { type: 'string', format: 'uri' }, width: { type: 'integer' }, height: { type: 'integer' } }, required: ['url', 'width', 'height'], additionalProperties: false },
            { type: 'null' },
          ],
        },
        storyboard: {
          anyOf: [
            { type: 'object', properties: { vtt_url: { type: 'string', format: 'uri' }, sprite_url: { type: 'string', format: 'uri' } }, required: ['vtt_url', 'sprite_url'], additionalProperties: false },
            { type: 'null' },
          ],
        },
        streaming: {
          type: 'object',
          properties: { hls_url: nullableString, protocols: { type: 'array', items: { enum: ['progressive', 'hls'] } } },
          required: ['hls_url', 'protocols'],
          additionalProperties: false,
        },
        subtitles: {
          type: 'array',
          items: { type: 'object', properties: { language: { type: 'string' }, format: { type: 'string' }, url: { type: 'string', format: 'uri' } }, required: ['language', 'format', 'url'], additionalProperties: false },
        },
        created_at: { type: 'string', format: 'date-time' },
        updated_at: { type: 'string', format: 'date-time' },
      },
      required: [
        'job_id', 'video_id', 'version', 'title', 'description', 'tags', 'duration_seconds', 'width', 'height', 'fps', 'video_codec', 'audio_codec', 'audio_channels',
        'audio_sample_rate', 'bit_rate', 'rotation', 'size_bytes', 'format', 'renditions', 'urls', 'thumbnails', 'poster', 'storyboard', 'streaming', 'subtitles', 'created_at', 'updated_at',
      ],
      additionalProperties: false,
    },
    WebhookEvent: {
      type: 'object',
      description: 'The body of a webhook delivery, signed in X-Vidgen-Signature (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`).',
      properties: {
        event: { enum: ['job.completed', 'job.failed', 'job.cancelled'] },
        event_id: { type: 'string', description: 'The same for every attempt of one event (X-Vidgen-Delivery): deduplicate on it.' },
        job: ref('WebhookJob'),
      },
      required: ['event', 'event_id', 'job'],
      additionalProperties: false,
    },
    MetadataVersions: {
      type: 'object',
      properties: {
        versions: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              version: { type: 'integer', minimum: 1 },
              change: { enum: ['created', 'edited', 'reuploaded'] },
              title: { type: 'string' },
              description: { type: 'string' },
              tags: { type: 'array', items: { type: 'string' } },
              duration_seconds: { type: 'number', minimum: 0 },
              width: { type: 'integer' },
              height: { type: 'integer' },
              size_bytes: { type: 'integer', minimum: 0 },
              renditions: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { label: { type: 'string' }, width: { type: 'integer' }, height: { type: 'integer' }, size_bytes: { type: 'integer' }, format: { type: 'string' } },
                  required: ['label', 'width', 'height', 'size_bytes', 'format'],
                  additionalProperties: false,
                },
              },
              created_at: { type: 'string', format: 'date-time' },
              updated_at: { type: 'string', format: 'date-time' },
            },
            required: ['version', 'change', 'title', 'description', 'tags', 'duration_seconds', 'width', 'height', 'size_bytes', 'renditions', 'created_at', 'updated_at'],
            additionalProperties: false,
          },
        },
        next_cursor: nullableString,
      },
      required: ['versions', 'next_cursor'],
      additionalProperties: false,
    },
  };
  // The webhook body's job is what GET shows minus links.events: the API and the worker present it with one presenter (@vidgen/jobs).
  const job = schemas.Job as { properties: Record<string, JsonSchema> };
  schemas.WebhookJob = {
    ...job,
    description: 'The job as a webhook carries it: exactly what GET /jobs/{job_id} shows, without links.events (the event stream has ended). Its links are absolute under PUBLIC_BASE_URL; result.hls_url and storyboard_url carry their own short-lived tokens.',
    properties: {
      ...job.properties,
      links: { type: 'object', properties: { self: { type: 'string', format: 'uri' } }, required: ['self'], additionalProperties: false },
    },
  };

  const jobOk = (status: string, description: string, schema = 'Job', headers: JsonSchema = {}) => ({
    [status]: { description, headers: { ...correlationHeader, ...headers }, content: json(ref(schema)) },
  });
  const location = { Location: { description: 'The job\'s path.', required: true, schema: { type: 'string' } } };
  const etag = { ETag: { description: 'Names this version: send it as If-Match to edit it, If-None-Match to revalidate.', required: true, schema: { type: 'string' } } };
  const paths: Record<string, JsonSchema> = {
    '/api/v1/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        security: [],
        parameters: [{ name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } }],
        responses: { '200': { description: 'The OpenAPI document', headers: etag, content: json({ type: 'object' }) }, '304': { description: 'Not modified' } },
      },
    },
    '/api/v1/capabilities': {
      get: { operationId: 'getCapabilities', summary: 'What a configuration may contain', parameters: [correlation], responses: { '200': { description: 'Capabilities', content: json(ref('Capabilities')) }, ...common } },
    },
    '/api/v1/usage': {
      get: { operationId: 'getUsage', summary: "The calling owner's budget and jobs", parameters: [correlation], responses: { '200': { description: 'Usage', content: json(ref('Usage')) }, ...common } },
    },
    '/api/v1/videos/plan': {
      post: {
        operationId: 'planVideo',
        summary: 'What a job would render, without creating it',
        parameters: [correlation],
        requestBody: { required: true, content: json(ref('GenerateRequest')) },
        responses: { '200': { description: 'The plan', content: json(ref('Plan')) }, '400': error('VALIDATION_FAILED and other request errors.'), ...common },
      },
    },
    '/api/v1/videos/generate': {
      post: {
        operationId: 'generateVideo',
        summary: 'Submit a job',
        parameters: [correlation, { $ref: '#/components/parameters/IdempotencyKey' }],
        requestBody: { required: true, content: json(ref('GenerateRequest')) },
        responses: {
          ...jobOk('202', 'Accepted; `Location` names the job.', 'JobAccepted', location),
          ...jobOk('200', 'The same Idempotency-Key and body again: the original job.', 'JobAccepted', location),
          '400': error('VALIDATION_FAILED and other request errors.'),
          '409': error('IDEMPOTENCY_KEY_REUSED or IDEMPOTENCY_KEY_IN_PROGRESS.'),
          '429': { ...error('RATE_LIMITED, QUEUE_QUOTA_EXCEEDED or VIDEO_QUOTA_EXCEEDED.'), headers: { ...correlationHeader, ...retryAfter } },
          ...common,
        },
      },
    },
    '/api/v1/videos/jobs': {
      get: {
        operationId: 'listJobs',
        summary: "The owner's jobs, newest first",
        parameters: [correlation, ...queryParams(joiToJsonSchema(listQuerySchema))],
        responses: { '200': { description: 'A page of jobs', content: json(ref('JobList')) }, '400': error('A bad query parameter.'), ...common },
      },
    },
    '/api/v1/videos/jobs/{job_id}': {
      get: { operationId: 'getJob', summary: 'A job', parameters: [jobId, correlation], responses: { ...jobOk('200', 'The job'), '404': error('JOB_NOT_FOUND'), ...common } },
      delete: {
        operationId: 'deleteJob',
        summary: 'Delete a job, its metadata and its stored objects',
        parameters: [jobId, correlation],
        responses: { '204': { description: 'Deleted' }, '404': error('JOB_NOT_FOUND'), ...common },
      },
    },
    '/api/v1/videos/jobs/{job_id}/cancel': {
      post: {
        operationId: 'cancelJob',
        summary: 'Cancel a queued or running job',
        parameters: [jobId, correlation],
        responses: { ...jobOk('202', 'The job, now cancelled'), '404': error('JOB_NOT_FOUND'), '409': error('JOB_NOT_CANCELLABLE'), ...common },
      },
    },
    '/api/v1/videos/jobs/{job_id}/retry': {
      post: {
        operationId: 'retryJob',
        summary: 'Run a failed or cancelled job again',
        parameters: [jobId, correlation],
        responses: { ...jobOk('202', 'The job, queued again'), '404': error('JOB_NOT_FOUND'), '409': error('JOB_NOT_RETRYABLE'), ...common },
      },
    },
    '/api/v1/videos/jobs/{job_id}/metadata': {
      get: {
        operationId: 'getMetadata',
        summary: "A completed job's metadata",
        parameters: [jobId, correlation, { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'The metadata; `ETag` names the version', headers: { ...correlationHeader, ...etag }, content: json(ref('Metadata')) },
          '304': { description: 'Not modified' },
          '404': error('JOB_NOT_FOUND'),
          '409': error('JOB_NOT_COMPLETED'),
          ...common,
        },
      },
      patch: {
        operationId: 'patchMetadata',
        summary: 'Edit title, description, tags',
        parameters: [jobId, correlation, { $ref: '#/components/parameters/IfMatch' }],
        requestBody: { required: true, content: json(ref('MetadataPatch')) },
        responses: {
          '200': { description: 'The new metadata and ETag', headers: { ...correlationHeader, ...etag }, content: json(ref('Metadata')) },
          '400': error('VALIDATION_FAILED'),
          '404': error('JOB_NOT_FOUND'),
          '409': error('JOB_NOT_COMPLETED or METADATA_VERSION_LIMIT'),
          '412': error('METADATA_VERSION_CONFLICT: the If-Match ETag is stale'),
          '428': error('PRECONDITION_REQUIRED: no If-Match'),
          ...common,
        },
      },
    },
    '/api/v1/videos/jobs/{job_id}/metadata/versions': {
      get: {
        operationId: 'listMetadataVersions',
        summary: 'The metadata versions, newest first',
        parameters: [jobId, correlation, ...queryParams(joiToJsonSchema(versionsQuerySchema))],
        responses: { '200': { description: 'A page of versions', content: json(ref('MetadataVersions')) }, '400': error('A bad query parameter.'), '404': error('JOB_NOT_FOUND'), ...common },
      },
    },
    '/api/v1/videos/jobs/{job_id}/download': {
      get: {
        operationId: 'downloadVideo',
        summary: 'A redirect to a signed download URL',
        parameters: [jobId, correlation],
        responses: {
          '302': {
            description: 'Location: the signed URL (the body names it too, as Express words a redirect)',
            headers: { Location: { required: true, schema: { type: 'string', format: 'uri' } } },
            content: { 'text/plain': { schema: { type: 'string' } }, 'text/html': { schema: { type: 'string' } } },
          },
          '404': error('JOB_NOT_FOUND'),
          '409': error('JOB_NOT_COMPLETED'),
          ...common,
        },
      },
    },
    '/api/v1/videos/jobs/{job_id}/events': {
      get: {
        operationId: 'streamJobEvents',
        summary: 'Server-Sent Events: the current state, then every update',
        security: [{ bearer: [] }, { token: [] }],
        parameters: [
          jobId,
          correlation,
          { name: 'Last-Event-ID', in: 'header', required: false, description: 'Resume after this progress version.', schema: { type: 'string', pattern: '^\\d+$' } },
          { name: 'last_event_id', in: 'query', required: false, description: 'Last-Event-ID for clients that cannot send headers.', schema: { type: 'string', pattern: '^\\d+$' } },
        ],
        responses: {
          '200': {
            description: 'The event stream: progress events (data: JobEventData), `event: queue_position` (QueuePositionEventData) and, last, `event: reconnect` (ReconnectEventData) when the server ends a stream early',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '204': { description: 'Resumed at or past the terminal event: nothing more to send' },
          '404': error('JOB_NOT_FOUND'),
          '429': { ...error('TOO_MANY_EVENT_STREAMS'), headers: { ...correlationHeader, ...retryAfter } },
          ...common,
        },
      },
    },
    '/api/v1/videos/jobs/{job_id}/hls/master.m3u8': hlsPath('getHlsMaster', 'The HLS master playlist', []),
    '/api/v1/videos/jobs/{job_id}/hls/{rendition}/{playlist}': hlsPath('getHlsPlaylist', "A rendition's media or I-frame playlist", [
      { name: 'rendition', in: 'path', required: true, schema: { type: 'string', pattern: '^(\\d{3,4}p|subs)$' } },
      { name: 'playlist', in: 'path', required: true, schema: { enum: ['index.m3u8', 'iframes.m3u8'] } },
    ]),
    '/api/v1/videos/jobs/{job_id}/storyboard.vtt': hlsPath('getStoryboard', 'The WebVTT storyboard of scrubbing previews', [], 'text/vtt'),
  };

  function hlsPath(operationId: string, summary: string, extra: JsonSchema[], type = 'application/vnd.apple.mpegurl'): JsonSchema {
    return {
      get: {
        operationId,
        summary,
        security: [{ bearer: [] }, { token: [] }],
        parameters: [jobId, correlation, ...extra],
        responses: {
          '200': { description: summary, content: { [type]: { schema: { type: 'string' } } } },
          '401': error('UNAUTHENTICATED, or HLS_TOKEN_INVALID: fetch the job again for fresh links.'),
          '404': error('JOB_NOT_FOUND'),
          default: error('Any other error, with its code.'),
        },
      },
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'vidgen API',
      version,
      description: 'Explainer videos from a topic. Errors share one shape (`ErrorResponse`); each code is explained in docs/troubleshooting.md.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: serverUrl ?? '/' }],
    security: [{ bearer: [] }],
    paths,
    webhooks: {
      jobFinished: {
        post: {
          operationId: 'jobFinishedWebhook',
          summary: 'A job ended (completed, failed or cancelled): POSTed to its callback_url',
          security: [],
          parameters: [
            { name: 'X-Vidgen-Signature', in: 'header', required: false, description: 'Present when the owner has a WEBHOOK_SECRETS entry.', schema: { type: 'string' } },
            { name: 'X-Vidgen-Event', in: 'header', required: true, description: 'The event (as in the body).', schema: { enum: ['job.completed', 'job.failed', 'job.cancelled'] } },
            { name: 'X-Vidgen-Delivery', in: 'header', required: true, description: 'The event id (as in the body).', schema: { type: 'string' } },
          ],
          requestBody: { required: true, content: json(ref('WebhookEvent')) },
          responses: { '200': { description: 'Any 2xx ends the attempts; anything else is retried with backoff.' } },
        },
      },
    },
    components: {
      schemas,
      parameters: {
        JobId: { name: 'job_id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
        CorrelationId: {
          name: 'X-Correlation-ID',
          in: 'header',
          required: false,
          description: 'Carried into logs and the job; echoed in the answer (one is made when absent).',
          schema: { type: 'string' },
        },
        IdempotencyKey: { name: 'Idempotency-Key', in: 'header', required: false, description: 'Per owner, kept 24 h.', schema: { type: 'string', minLength: 1, maxLength: 255 } },
        IfMatch: { name: 'If-Match', in: 'header', required: true, description: 'The ETag of the metadata being edited.', schema: { type: 'string' } },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`.' },
        token: { type: 'apiKey', in: 'query', name: 'token', description: 'A short-lived signed token from `links.events`, `result.hls_url` or `result.storyboard_url` (players and EventSource send no headers).' },
      },
    },
  };
}
