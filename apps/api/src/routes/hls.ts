import { Router, type RequestHandler } from 'express';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { VidgenError, type JobRecord, type OutputRecord } from '@vidgen/core';
import type { ApiKey } from '@vidgen/config';
import { toStorageError, type UrlSigner } from '@vidgen/storage';
import { authenticateEventStream } from '../middleware/auth';
import { route } from '../middleware/errors';
import { isPlainRelativeUri, rewritePlaylist, rewriteStoryboard } from '../hls-rewrite';
import type { EventTokens } from '@vidgen/jobs';
import { jobIdParam, readOwnJob, type JobReader } from './job-state';

export interface HlsRouteDeps extends JobReader {
  /** Reads the stored playlists and the storyboard. */
  s3: S3Client;
  bucket: string;
  /** Signs segment URLs (or returns CDN URLs). */
  urls: UrlSigner;
  /** Tokens of scope "hls": what players carry instead of an Authorization header. */
  hlsTokens: EventTokens;
  apiKeys: readonly ApiKey[];
}

const MPEGURL = 'application/vnd.apple.mpegurl';
/** The playlists of a rendition's directory (OUTPUT_NAMES.hlsPlaylist, hlsIFrames). */
const RENDITION_PLAYLISTS = ['index.m3u8', 'iframes.m3u8'] as const;

/**
 * GET /jobs/:job_id/hls/master.m3u8, /jobs/:job_id/hls/:rendition/index.m3u8
 * (and iframes.m3u8, the rendition's I-frame playlist)
 * and /jobs/:job_id/storyboard.vtt. Relative URIs inside a playlist or a
 * storyboard carry no signature, so these files are served here: variant URIs
 * point back at this route with a token minted for this answer, segment and
 * sprite URIs become signed S3 URLs (or CDN URLs). Authorized by the
 * Authorization header or a short-lived "hls" token; an invalid token is
 * HLS_TOKEN_INVALID (fetch the job again). CORS comes from the API-wide
 * middleware (CORS_ORIGINS).
 */
export function createHlsRouter(deps: HlsRouteDeps): Router {
  const { s3, bucket, urls, hlsTokens } = deps;
  const router = Router();
  const auth = authenticateEventStream(deps.apiKeys, hlsTokens, 'HLS_TOKEN_INVALID');
  router.use('/jobs/:job_id/hls', auth);
  router.use('/jobs/:job_id/storyboard.vtt', auth);

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
      // Players send no headers: variant URLs carry a token minted for this answer, so an ABR
      // switch late in a session works as long as this playlist's own segment URLs do.
      const token = hlsTokens.mint(jobId, req.owner!);
      // The playlists the master may name, relative to it: variants, their I-frame playlists, subtitles.
      const hlsDir = master.key.slice(0, master.key.lastIndexOf('/') + 1);
      const known = new Set(record.result!.outputs.filter((o) => o.kind === 'hls_playlist' && o.key.startsWith(hlsDir)).map((o) => o.key.slice(hlsDir.length)));
      const body = await rewritePlaylist(await read(master), (uri) => {
        if (!known.has(uri)) throw new VidgenError('INTERNAL_ERROR', { message: `Master playlist names an unknown variant ${uri}.` });
        return `${uri}?token=${encodeURIComponent(token)}`;
      });
      send(res, body);
    },
  });

  // A rendition's media playlist and its I-frame playlist (EXT-X-I-FRAME-STREAM-INF): both list segments of its directory.
  for (const name of RENDITION_PLAYLISTS) {
    route(router, `/jobs/:job_id/hls/:rendition/${name}`, {
      get: async (req, res) => {
        const jobId = jobIdParam(req.params);
        const record = await load(jobId, req.owner!);
        const rendition = String(req.params.rendition);
        const playlist = record.result!.outputs.find((o) => o.kind === 'hls_playlist' && o.rendition === rendition && o.key.endsWith(`/${rendition}/${name}`));
        if (!playlist) throw new VidgenError('JOB_NOT_FOUND', { message: 'No such rendition.' });
        const dir = playlist.key.slice(0, playlist.key.lastIndexOf('/') + 1);
        const body = await rewritePlaylist(await read(playlist), async (uri) => {
          if (!isPlainRelativeUri(uri)) throw new VidgenError('INTERNAL_ERROR', { message: `Unexpected URI in a variant playlist: ${uri.slice(0, 100)}` });
          return (await urls.url(`${dir}${uri}`)).url;
        });
        send(res, body);
      },
    });
  }

  route(router, '/jobs/:job_id/storyboard.vtt', {
    get: async (req, res) => {
      const jobId = jobIdParam(req.params);
      const record = await load(jobId, req.owner!);
      const storyboard = record.result!.outputs.find((o) => o.kind === 'storyboard');
      const sprite = record.result!.outputs.find((o) => o.kind === 'sprite');
      if (!storyboard || !sprite) throw new VidgenError('JOB_NOT_FOUND', { message: 'This job has no storyboard.' });
      const dir = storyboard.key.slice(0, storyboard.key.lastIndexOf('/') + 1);
      // Signed once: every cue points at the same sheet, only the #xywh= rectangle differs.
      let signed: string | undefined;
      const body = await rewriteStoryboard(await read(storyboard), async (uri) => {
        if (`${dir}${uri}` !== sprite.key) throw new VidgenError('INTERNAL_ERROR', { message: `The storyboard names an unknown image ${uri.slice(0, 100)}` });
        signed ??= (await urls.url(sprite.key)).url;
        return signed;
      });
      res.setHeader('Content-Type', 'text/vtt; charset=utf-8');
      res.setHeader('Cache-Control', 'no-store');
      res.send(body);
    },
  });

  return router;
}
