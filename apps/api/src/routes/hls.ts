import { Router, type RequestHandler } from 'express';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { VidgenError, type JobRecord, type OutputRecord } from '@vidgen/core';
import type { ApiKey } from '@vidgen/config';
import { toStorageError, type UrlSigner } from '@vidgen/storage';
import { authenticateEventStream } from '../middleware/auth';
import { route } from '../middleware/errors';
import { allowedOrigin, isPlainRelativeUri, rewritePlaylist } from '../hls-rewrite';
import type { EventTokens } from '../tokens';
import { jobIdParam, jobPath, readOwnJob, type JobReader } from './job-state';

export interface HlsRouteDeps extends JobReader {
  /** Reads the stored playlists. */
  s3: S3Client;
  bucket: string;
  /** Signs segment URLs (or returns CDN URLs). */
  urls: UrlSigner;
  /** Tokens of scope "hls": what players carry instead of an Authorization header. */
  hlsTokens: EventTokens;
  apiKeys: readonly ApiKey[];
  corsOrigins: readonly string[];
}

export const hlsMasterPath = (jobId: string) => `${jobPath(jobId)}/hls/master.m3u8`;
const MPEGURL = 'application/vnd.apple.mpegurl';

/**
 * GET /jobs/:job_id/hls/master.m3u8 and /jobs/:job_id/hls/:rendition/index.m3u8.
 * Relative URIs inside a playlist carry no signature, so playlists are served
 * here: variant URIs point back at this route with the token, segment URIs
 * become signed S3 URLs (or CDN URLs). Authorized by the Authorization header
 * or a short-lived "hls" token; CORS for browser players.
 */
export function createHlsRouter(deps: HlsRouteDeps): Router {
  const { s3, bucket, urls, hlsTokens, corsOrigins } = deps;
  const router = Router();

  const cors: RequestHandler = (req, res, next) => {
    const allow = allowedOrigin(corsOrigins, req.get('origin'));
    if (allow) {
      res.setHeader('Access-Control-Allow-Origin', allow);
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Range');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    if (allow !== '*') res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next();
  };
  router.use('/jobs/:job_id/hls', cors);
  router.use('/jobs/:job_id/hls', authenticateEventStream(deps.apiKeys, hlsTokens));

  async function load(jobId: string, owner: string): Promise<JobRecord> {
    const job = await readOwnJob(deps, jobId, owner);
    if (!job || job.record.status !== 'completed' || !job.record.result) throw new VidgenError('JOB_NOT_FOUND');
    return job.record;
  }

  async function read(output: OutputRecord): Promise<string> {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: output.key }));
      return await out.Body!.transformToString('utf8');
    } catch (err) {
      throw toStorageError(err, `GetObject ${output.key}`);
    }
  }

  const send = (res: Parameters<RequestHandler>[1], body: string) => {
    res.setHeader('Content-Type', MPEGURL);
    // The body carries signed URLs that expire: never cache it beyond this answer.
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  };

  route(router, '/jobs/:job_id/hls/master.m3u8', {
    get: async (req, res) => {
      const jobId = jobIdParam(req.params);
      const record = await load(jobId, req.owner!);
      const master = record.result!.outputs.find((o) => o.kind === 'hls_master');
      if (!master) throw new VidgenError('JOB_NOT_FOUND', { message: 'This job has no HLS output.' });
      // Players send no headers: variant URLs carry the token (the one given, or a new one).
      const token = typeof req.query.token === 'string' ? req.query.token : hlsTokens.mint(jobId, req.owner!);
      const known = new Set(record.result!.outputs.filter((o) => o.kind === 'hls_playlist').map((o) => `${o.rendition}/index.m3u8`));
      const body = await rewritePlaylist(await read(master), (uri) => {
        if (!known.has(uri)) throw new VidgenError('INTERNAL_ERROR', { message: `Master playlist names an unknown variant ${uri}.` });
        return `${uri}?token=${encodeURIComponent(token)}`;
      });
      send(res, body);
    },
  });

  route(router, '/jobs/:job_id/hls/:rendition/index.m3u8', {
    get: async (req, res) => {
      const jobId = jobIdParam(req.params);
      const record = await load(jobId, req.owner!);
      const rendition = String(req.params.rendition);
      const playlist = record.result!.outputs.find((o) => o.kind === 'hls_playlist' && o.rendition === rendition);
      if (!playlist) throw new VidgenError('JOB_NOT_FOUND', { message: 'No such rendition.' });
      const dir = playlist.key.slice(0, playlist.key.lastIndexOf('/') + 1);
      const body = await rewritePlaylist(await read(playlist), async (uri) => {
        if (!isPlainRelativeUri(uri)) throw new VidgenError('INTERNAL_ERROR', { message: `Unexpected URI in a variant playlist: ${uri.slice(0, 100)}` });
        return (await urls.url(`${dir}${uri}`)).url;
      });
      send(res, body);
    },
  });

  return router;
}
