import express from 'express';
import request from 'supertest';
import { securityHeaders, securityHeadersPerRequest } from '../src/middleware/security-headers';

// The recorded helmet headers must be exactly what helmet sets when it runs per request.
function app(headers: express.RequestHandler): express.Express {
  const a = express();
  a.disable('x-powered-by');
  a.use(headers);
  a.use((_req, res) => void res.json({ ok: true }));
  return a;
}

const recorded = app(securityHeaders());
const perRequest = app(securityHeadersPerRequest());
const headersOf = (res: request.Response) => {
  const { date: _date, ...rest } = res.headers as Record<string, string>;
  return rest;
};

it.each(['/api/v1/videos/jobs/5d1c0a3e-3f4b-4a5e-9c1d-2b3c4d5e6f70', '/api/v1/videos/jobs/5d1c0a3e-3f4b-4a5e-9c1d-2b3c4d5e6f70/events', '/admin/queues/', '/health'])(
  'sets the headers helmet sets per request on %s',
  async (path) => {
    const a = await request(recorded).get(path);
    const b = await request(perRequest).get(path);
    expect(headersOf(a)).toEqual(headersOf(b));
    expect(a.headers['x-content-type-options']).toBe('nosniff');
  },
);
