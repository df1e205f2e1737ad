import type { ChainableCommander, Redis } from 'ioredis';
import { asRedisError } from '@vidgen/queue';
import type { ChangeKind, EditableMetadata, MediaFacts, OutputRecord, RenditionMetadata, VideoMetadata } from './model';
import type { VideoMetadataInput } from '@vidgen/core';
import { initialEditable, type MetadataPatch } from './sanitize';
import { jobVideoKey, ownerVideosKey, videoIdForJob, videoKey, videoVersionsKey } from './keys';

/** First write, idempotent: returns 0 when it created version 1, else the stored current version. */
const CREATE = `
local v = redis.call('HGET', KEYS[1], 'version')
if v then return tonumber(v) end
redis.call('HSET', KEYS[1], 'video_id', ARGV[1], 'job_id', ARGV[2], 'owner', ARGV[3], 'version', 1, 'created_at', ARGV[4], 'updated_at', ARGV[4])
redis.call('HSET', KEYS[2], '1', ARGV[5])
return 0
`;

/**
 * Optimistic concurrency under a cap: writes version expected+1 only while the
 * head is still at `expected` and the new version stays within ARGV[4]. The cap
 * is checked in the same script as the write, so concurrent edits can never
 * overshoot it. It is checked before the version: at the cap, a stale writer
 * learns that no edit can succeed rather than being sent to read again.
 * Returns n (written), -1 (no video), 0 (cap reached), or -2 - head (stale).
 */
const ADD_VERSION = `
local v = redis.call('HGET', KEYS[1], 'version')
if not v then return -1 end
local head = tonumber(v)
if head + 1 > tonumber(ARGV[4]) then return 0 end
if head ~= tonumber(ARGV[1]) then return -2 - head end
local n = head + 1
redis.call('HSET', KEYS[1], 'version', n, 'updated_at', ARGV[3])
redis.call('HSET', KEYS[2], tostring(n), ARGV[2])
return n
`;

/**
 * A job's current metadata in one call. KEYS: the job's video link, the video's head, its
 * versions; ARGV[1]: the video id the link must hold (videoIdForJob). False when there is none.
 */
const GET_BY_JOB = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local version = redis.call('HGET', KEYS[2], 'version')
if not version then return false end
return redis.call('HGET', KEYS[3], version)
`;

interface MetadataCommands {
  vidgenMetaCreate(head: string, versions: string, ...args: string[]): Promise<number>;
  vidgenMetaAddVersion(head: string, versions: string, ...args: string[]): Promise<number>;
  vidgenMetaGetByJob(link: string, head: string, versions: string, videoId: string): Promise<string | null>;
}

export interface CreateVideoInput extends VideoMetadataInput {
  now?: Date;
}

export type UpdateResult =
  | { ok: true; metadata: VideoMetadata }
  | { ok: false; reason: 'missing' }
  | { ok: false; reason: 'conflict'; currentVersion: number }
  /** The video already has `maxVersions` versions: no edit can add one (nothing is ever deleted). */
  | { ok: false; reason: 'limit'; currentVersion: number; maxVersions: number };

/** Versions per video unless configured (METADATA_MAX_VERSIONS). */
export const DEFAULT_MAX_VERSIONS = 100;

export interface VideoMetadataManagerOptions {
  /** Most versions one video may have, version 1 included (at least 2). */
  maxVersions?: number;
}

/** One page of a video's versions, newest first; `nextBefore` is the version the next page starts below, null at the end. */
export interface VersionPage {
  versions: VideoMetadata[];
  nextBefore: number | null;
}

/**
 * VideoMetadataManager: versioned metadata under our own keys. The worker's
 * first write is version 1; edits and re-uploads add versions through an
 * optimistic-concurrency script, so a stale writer is refused, never merged.
 */
export class VideoMetadataManager {
  private readonly redis: Redis & MetadataCommands;
  /** Most versions one video may have; an edit beyond it is refused ('limit'). */
  readonly maxVersions: number;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    options: VideoMetadataManagerOptions = {},
  ) {
    const max = options.maxVersions ?? DEFAULT_MAX_VERSIONS;
    if (!Number.isSafeInteger(max) || max < 2) throw new RangeError(`maxVersions must be an integer of at least 2, got ${String(max)}`);
    this.maxVersions = max;
    this.redis = redis as Redis & MetadataCommands;
    if (!(this.redis as Partial<MetadataCommands>).vidgenMetaCreate) {
      redis.defineCommand('vidgenMetaCreate', { numberOfKeys: 2, lua: CREATE });
      redis.defineCommand('vidgenMetaAddVersion', { numberOfKeys: 2, lua: ADD_VERSION });
    }
    if (!(this.redis as Partial<MetadataCommands>).vidgenMetaGetByJob) redis.defineCommand('vidgenMetaGetByJob', { numberOfKeys: 3, lua: GET_BY_JOB });
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw asRedisError(err);
    }
  }

  /** Version 1 from the worker; a repeated call (a retried finalization) returns the stored current version. */
  async createForJob(input: CreateVideoInput): Promise<VideoMetadata> {
    const videoId = videoIdForJob(input.jobId);
    const at = (input.now ?? new Date()).toISOString();
    const first: VideoMetadata = {
      video_id: videoId,
      job_id: input.jobId,
      owner: input.owner,
      version: 1,
      change: 'created',
      ...initialEditable(input.topic),
      ...input.facts,
      renditions: input.renditions,
      outputs: input.outputs,
      created_at: at,
      updated_at: at,
    };
    const head = videoKey(this.prefix, videoId);
    const versions = videoVersionsKey(this.prefix, videoId);
    const existing = await this.call(() => this.redis.vidgenMetaCreate(head, versions, videoId, input.jobId, input.owner, at, JSON.stringify(first)));
    // The link and the index live in other slots: written after the video, idempotently.
    await this.call(() =>
      this.redis
        .multi()
        .set(jobVideoKey(this.prefix, input.jobId), videoId)
        .zadd(ownerVideosKey(this.prefix, input.owner), 'NX', Date.parse(at), videoId)
        .exec(),
    );
    return existing === 0 ? first : ((await this.get(videoId)) as VideoMetadata);
  }

  /** Deletes the job's video (every version) and its place in the owner's index, in the caller's transaction (the job's delete). */
  forgetJobIn(tx: ChainableCommander, jobId: string, owner: string): void {
    const videoId = videoIdForJob(jobId);
    tx.del(jobVideoKey(this.prefix, jobId), videoKey(this.prefix, videoId), videoVersionsKey(this.prefix, videoId)).zrem(ownerVideosKey(this.prefix, owner), videoId);
  }

  async videoIdOfJob(jobId: string): Promise<string | null> {
    return this.call(() => this.redis.get(jobVideoKey(this.prefix, jobId)));
  }

  async get(videoId: string): Promise<VideoMetadata | null> {
    const version = await this.call(() => this.redis.hget(videoKey(this.prefix, videoId), 'version'));
    if (!version) return null;
    return this.getVersion(videoId, Number(version));
  }

  async getVersion(videoId: string, version: number): Promise<VideoMetadata | null> {
    const raw = await this.call(() => this.redis.hget(videoVersionsKey(this.prefix, videoId), String(version)));
    return raw ? (JSON.parse(raw) as VideoMetadata) : null;
  }

  /**
   * The job's current metadata: link, head and version read in one script call (every metadata
   * GET reads it; three round trips before). The link only ever holds videoIdForJob(jobId)
   * (createForJob writes it), so the keys are known before reading it.
   */
  async getByJob(jobId: string): Promise<VideoMetadata | null> {
    const videoId = videoIdForJob(jobId);
    const raw = await this.call(() =>
      this.redis.vidgenMetaGetByJob(jobVideoKey(this.prefix, jobId), videoKey(this.prefix, videoId), videoVersionsKey(this.prefix, videoId), videoId),
    );
    return raw ? (JSON.parse(raw) as VideoMetadata) : null;
  }

  /**
   * One page of versions, newest first: up to `limit` versions below `before`
   * (from the current head when null). Versions are numbered 1..head and never
   * deleted, so a page is one HMGET of known fields, whatever the total.
   */
  async versionPage(videoId: string, options: { limit: number; before?: number | null }): Promise<VersionPage> {
    const limit = Math.max(1, Math.floor(options.limit));
    const head = await this.call(() => this.redis.hget(videoKey(this.prefix, videoId), 'version'));
    if (!head) return { versions: [], nextBefore: null };
    const top = options.before == null ? Number(head) : Math.min(Number(head), options.before - 1);
    const fields: string[] = [];
    for (let n = top; n >= 1 && fields.length < limit; n--) fields.push(String(n));
    if (fields.length === 0) return { versions: [], nextBefore: null };
    const raw = await this.call(() => this.redis.hmget(videoVersionsKey(this.prefix, videoId), ...fields));
    const versions = raw.filter((json): json is string => json !== null).map((json) => JSON.parse(json) as VideoMetadata);
    const lowest = Number(fields[fields.length - 1]);
    return { versions, nextBefore: lowest > 1 ? lowest : null };
  }

  /** Every version, oldest first (at most maxVersions of them, unless the cap was lowered). */
  async versions(videoId: string): Promise<VideoMetadata[]> {
    const all = await this.call(() => this.redis.hgetall(videoVersionsKey(this.prefix, videoId)));
    return Object.entries(all)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, json]) => JSON.parse(json) as VideoMetadata);
  }

  /** Newest first, for listing an owner's videos. */
  async listByOwner(owner: string, limit = 20): Promise<string[]> {
    return this.call(() => this.redis.zrevrange(ownerVideosKey(this.prefix, owner), 0, Math.max(0, limit - 1)));
  }

  /** A client's correction of title, description or tags, only on top of `expectedVersion`. */
  edit(videoId: string, expectedVersion: number, patch: MetadataPatch, now = new Date()): Promise<UpdateResult> {
    return this.addVersion(videoId, expectedVersion, 'edited', now, (prev) => {
      const edited: EditableMetadata = { title: patch.title ?? prev.title, description: patch.description ?? prev.description, tags: patch.tags ?? prev.tags };
      return edited;
    });
  }

  /** New media for the same video (a re-upload): new facts, renditions and outputs, text kept. */
  reupload(videoId: string, expectedVersion: number, media: { facts: MediaFacts; renditions: RenditionMetadata[]; outputs: OutputRecord[] }, now = new Date()): Promise<UpdateResult> {
    return this.addVersion(videoId, expectedVersion, 'reuploaded', now, () => ({ ...media.facts, renditions: media.renditions, outputs: media.outputs }));
  }

  private async addVersion(videoId: string, expectedVersion: number, change: ChangeKind, now: Date, apply: (prev: VideoMetadata) => Partial<VideoMetadata>): Promise<UpdateResult> {
    const prev = await this.getVersion(videoId, expectedVersion);
    if (!prev) {
      const current = await this.get(videoId);
      return current ? { ok: false, reason: 'conflict', currentVersion: current.version } : { ok: false, reason: 'missing' };
    }
    const at = now.toISOString();
    const next: VideoMetadata = { ...prev, ...apply(prev), version: expectedVersion + 1, change, updated_at: at };
    const n = await this.call(() =>
      this.redis.vidgenMetaAddVersion(videoKey(this.prefix, videoId), videoVersionsKey(this.prefix, videoId), String(expectedVersion), JSON.stringify(next), at, String(this.maxVersions)),
    );
    if (n === -1) return { ok: false, reason: 'missing' };
    if (n === 0) {
      const head = await this.call(() => this.redis.hget(videoKey(this.prefix, videoId), 'version'));
      return { ok: false, reason: 'limit', currentVersion: head ? Number(head) : expectedVersion, maxVersions: this.maxVersions };
    }
    if (n < -1) return { ok: false, reason: 'conflict', currentVersion: -n - 2 };
    return { ok: true, metadata: next };
  }
}
