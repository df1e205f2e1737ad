import { Router, type Request, type Response } from 'express';
import Joi from 'joi';
import { VidgenError, validate } from '@vidgen/core';
import {
  decodeVersionCursor,
  encodeVersionCursor,
  metadataEtag,
  outputsView,
  urlWindow,
  validateMetadataPatch,
  versionFromEtag,
  type VideoMetadata,
  type VideoMetadataManager,
} from '@vidgen/metadata';
import { setContext } from '@vidgen/observability';
import type { UrlSigner } from '@vidgen/storage';
import { route } from '../middleware/errors';
import { hlsMasterPath, storyboardPath, withHlsToken, type EventTokens, type PublicUrl } from '@vidgen/jobs';
import { jobIdParam, readOwnJob, type JobReader } from './job-state';

export interface MetadataRouteDeps extends JobReader {
  metadata: VideoMetadataManager;
  /** Presigned URLs (or plain CDN URLs in CDN mode). */
  urls: UrlSigner;
  signedUrlTtlSeconds: number;
  /** Mints the playlist token: the API serves HLS playlists with every URI inside signed. */
  hlsTokens?: EventTokens;
  /** Injectable for tests of the caching windows. */
  now?: () => number;
  /** Makes the API's own links absolute (PUBLIC_BASE_URL). */
  publicUrl: PublicUrl;
}

/** The query of GET .../metadata/versions (a page of versions, newest first, paged as GET /jobs pages jobs). */
export const versionsQuerySchema = Joi.object({
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: Joi.string().max(400),
}).unknown(false);

/**
 * The metadata API: what every client reads to play, download and show a
 * video. URLs are signed at the start of the current caching window, so the
 * ETag (version + window) changes before any URL it vouches for expires.
 */
export function createMetadataRouter(deps: MetadataRouteDeps): Router {
  const { metadata, urls, signedUrlTtlSeconds, now = Date.now } = deps;
  const router = Router();

  /** The caller's completed job and its current metadata; 404 for unknown or foreign, 409 while not completed. */
  async function load(req: Request): Promise<VideoMetadata> {
    const jobId = jobIdParam(req.params);
    const found = await readOwnJob(deps, jobId, req.owner!);
    if (!found) throw new VidgenError('JOB_NOT_FOUND');
    setContext({ job_id: jobId });
    const current = found.record.status === 'completed' ? await metadata.getByJob(jobId) : null;
    if (!current) {
      throw new VidgenError('JOB_NOT_COMPLETED', { message: `The job is ${found.state.status}; metadata exists once it has completed.`, details: { status: found.state.status } });
    }
    return current;
  }

  async function present(m: VideoMetadata) {
    const window = urlWindow(now(), signedUrlTtlSeconds);
    const sign = async (key: string, downloadName?: string) => (await urls.url(key, { signingDate: window.signedAt, downloadName })).url;
    const o = outputsView(m.outputs);
    const body = {
      job_id: m.job_id,
      video_id: m.video_id,
      version: m.version,
      title: m.title,
      description: m.description,
      tags: m.tags,
      duration_seconds: m.duration_seconds,
      width: m.width,
      height: m.height,
      fps: m.fps,
      video_codec: m.video_codec,
      audio_codec: m.audio_codec,
      audio_channels: m.audio_channels,
      audio_sample_rate: m.audio_sample_rate,
      bit_rate: m.bit_rate,
      rotation: m.rotation,
      size_bytes: m.size_bytes,
      format: m.format,
      renditions: await Promise.all(m.renditions.map(async (r) => ({ ...r, url: await sign(r.key) }))),
      urls: {
        video: o.video_key ? await sign(o.video_key) : null,
        download: o.video_key ? await sign(o.video_key, `${m.title}.mp4`) : null,
        expires_at: new Date(window.signedAt.getTime() + signedUrlTtlSeconds * 1000).toISOString(),
      },
      thumbnails: await Promise.all(o.thumbnails.map(async (t) => ({ url: await sign(t.key), width: t.width, height: t.height, time_seconds: t.time_seconds }))),
      poster: o.poster ? { url: await sign(o.poster.key), width: o.poster.width, height: o.poster.height } : null,
      // The stored VTT names the sprite by a relative, unsigned path: the API serves it with the sprite URL signed.
      storyboard: o.storyboard
        ? { vtt_url: deps.hlsTokens ? deps.publicUrl(withHlsToken(storyboardPath(m.job_id), deps.hlsTokens, m.job_id, m.owner)) : await sign(o.storyboard.vtt_key), sprite_url: await sign(o.storyboard.sprite_key) }
        : null,
      // A signed master URL alone can't play from a private bucket (its relative URIs carry no
      // signature), so HLS goes through the API's playlist route, which signs every URI inside.
      streaming: {
        hls_url: o.hls && deps.hlsTokens ? deps.publicUrl(withHlsToken(hlsMasterPath(m.job_id), deps.hlsTokens, m.job_id, m.owner)) : null,
        protocols: [...(o.video_key ? ['progressive'] : []), ...(o.hls ? ['hls'] : [])],
      },
      subtitles: await Promise.all(o.subtitles.map(async (s) => ({ language: s.language, format: s.format, url: await sign(s.key) }))),
      created_at: m.created_at,
      updated_at: m.updated_at,
    };
    return { body, etag: metadataEtag(m.video_id, m.version, window.index), maxAge: window.remainingSeconds };
  }

  function send(res: Response, p: Awaited<ReturnType<typeof present>>, status = 200) {
    // Private: the URLs are the owner's. The max-age ends with the signing window, well inside the URLs' life.
    res.setHeader('ETag', p.etag);
    res.setHeader('Cache-Control', `private, max-age=${p.maxAge}`);
    res.status(status).json(p.body);
  }

  route(router, '/jobs/:job_id/metadata', {
    get: async (req, res) => {
      const p = await present(await load(req));
      const inm = req.get('if-none-match');
      if (inm && inm.split(',').map((s) => s.trim()).includes(p.etag)) {
        res.setHeader('ETag', p.etag);
        res.setHeader('Cache-Control', `private, max-age=${p.maxAge}`);
        res.status(304).end();
        return;
      }
      send(res, p);
    },
    patch: async (req, res) => {
      const current = await load(req);
      const ifMatch = req.get('if-match');
      if (!ifMatch) throw new VidgenError('PRECONDITION_REQUIRED');
      const patch = validateMetadataPatch(req.body);
      // At the cap no edit can succeed, whatever If-Match says: the client learns that, not "read again".
      // Versions only grow, so this early answer is never wrong; the write script checks the cap atomically.
      const limitReached = (currentVersion: number) =>
        new VidgenError('METADATA_VERSION_LIMIT', { details: { current_version: currentVersion, max_versions: metadata.maxVersions } });
      if (current.version >= metadata.maxVersions) throw limitReached(current.version);
      const expected = versionFromEtag(ifMatch, current.video_id);
      if (expected === null || expected !== current.version) {
        throw new VidgenError('METADATA_VERSION_CONFLICT', { details: { current_version: current.version } });
      }
      const result = await metadata.edit(current.video_id, expected, patch, new Date(now()));
      if (!result.ok && result.reason === 'limit') throw limitReached(result.currentVersion);
      if (!result.ok) {
        throw new VidgenError('METADATA_VERSION_CONFLICT', { details: { current_version: result.reason === 'conflict' ? result.currentVersion : null } });
      }
      send(res, await present(result.metadata));
    },
  });

  route(router, '/jobs/:job_id/metadata/versions', {
    get: async (req, res) => {
      const query = validate<{ limit: number; cursor?: string }>(versionsQuerySchema, req.query);
      const current = await load(req);
      const cursor = query.cursor === undefined ? null : decodeVersionCursor(query.cursor, current.video_id);
      if (query.cursor !== undefined && !cursor) {
        throw new VidgenError('VALIDATION_FAILED', { details: [{ field: 'cursor', message: 'not a cursor from next_cursor of this video', type: 'any.invalid' }] });
      }
      const page = await metadata.versionPage(current.video_id, { limit: query.limit, before: cursor?.version ?? null });
      res.setHeader('Cache-Control', 'private, no-cache');
      res.json({
        versions: page.versions.map((v) => ({
          version: v.version,
          change: v.change,
          title: v.title,
          description: v.description,
          tags: v.tags,
          duration_seconds: v.duration_seconds,
          width: v.width,
          height: v.height,
          size_bytes: v.size_bytes,
          renditions: v.renditions.map(({ label, width, height, size_bytes, format }) => ({ label, width, height, size_bytes, format })),
          created_at: v.created_at,
          updated_at: v.updated_at,
        })),
        next_cursor: page.nextBefore === null ? null : encodeVersionCursor({ videoId: current.video_id, version: page.nextBefore }),
      });
    },
  });

  route(router, '/jobs/:job_id/download', {
    get: async (req, res) => {
      const m = await load(req);
      const videoKey = outputsView(m.outputs).video_key;
      if (!videoKey) throw new VidgenError('JOB_NOT_FOUND', { message: 'This job has no progressive MP4 (formats did not include "mp4").' });
      const signed = await urls.url(videoKey, { downloadName: `${m.title}.mp4` });
      res.setHeader('Cache-Control', 'no-store');
      res.redirect(302, signed.url);
    },
  });

  return router;
}
