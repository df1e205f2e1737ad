import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { STAGE_NAMES, type JobConfiguration, type OutputRecord } from '@vidgen/core';
import { VideoMetadataManager } from '@vidgen/metadata';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore } from '@vidgen/queue';
import { READER } from './processes';

export const API = '/api/v1/videos';
/** What every submit of the suites sends: a short job (low quality, MP4 only). */
export const SUBMIT_BODY = JSON.stringify({
  configuration: { topic: 'Why the sky is blue', context: 'Sunlight scatters off air molecules. Blue light scatters most.', quality: 'low', formats: ['mp4'] },
});

export interface CompletedJobOptions {
  redisUrl: string;
  prefix: string;
  owner: string;
}

/**
 * A completed job as a worker leaves it, written through the real stores (job
 * store, progress tracker, metadata manager) in the worker's order, without
 * rendering anything: GET and metadata only read records and sign keys, so the
 * objects need not exist. Its outputs are a full low-quality job's (MP4, HLS,
 * poster, thumbnails, storyboard, subtitles), so every URL a client gets is signed.
 */
export async function seedCompletedJob(options: CompletedJobOptions): Promise<string> {
  const { redisUrl, prefix, owner } = options;
  const redis = new Redis(redisUrl);
  try {
    const store = new JobStore(redis, prefix);
    const tracker = new JobProgressTracker({ redis, prefix });
    const metadata = new VideoMetadataManager(redis, prefix);
    const jobId = randomUUID();
    const base = `videos/${owner}/${jobId}`;
    const configuration: JobConfiguration = { topic: 'Why the sky is blue', context: 'Sunlight scatters off air molecules. Blue light scatters most.', quality: 'low' };
    await store.create({ job_id: jobId, owner, correlation_id: randomUUID(), configuration, created_at: new Date().toISOString() });
    if ((await store.markProcessing(jobId, 1)) !== 'ok') throw new Error('seed: markProcessing refused');
    const run = await tracker.startRun(jobId, { attempt: 1 });
    if (!run.ok) throw new Error(`seed: startRun refused (${run.reason})`);
    for (const stage of STAGE_NAMES) {
      const r = await tracker.update(jobId, run.runId, stage, 100);
      if (!r.ok) throw new Error(`seed: progress ${stage} refused (${r.reason})`);
    }
    const thumbnails = [0, 1, 2, 3, 4].map((i) => ({ key: `${base}/thumbnails/${i}.jpg`, width: 320, height: 180, time_seconds: i * 2 }));
    const outputs: OutputRecord[] = [
      { kind: 'video', key: `${base}/video.mp4`, size_bytes: 512000, content_type: 'video/mp4', width: 854, height: 480 },
      { kind: 'subtitles', key: `${base}/subtitles.vtt`, size_bytes: 200, content_type: 'text/vtt' },
      { kind: 'poster', key: `${base}/poster.jpg`, size_bytes: 30000, content_type: 'image/jpeg', width: 854, height: 480 },
      ...thumbnails.map((t): OutputRecord => ({ kind: 'thumbnail', key: t.key, size_bytes: 8000, content_type: 'image/jpeg', width: t.width, height: t.height, time_seconds: t.time_seconds })),
      { kind: 'sprite', key: `${base}/storyboard.jpg`, size_bytes: 40000, content_type: 'image/jpeg' },
      { kind: 'storyboard', key: `${base}/storyboard.vtt`, size_bytes: 600, content_type: 'text/vtt' },
      { kind: 'hls_master', key: `${base}/hls/master.m3u8`, size_bytes: 200, content_type: 'application/vnd.apple.mpegurl' },
      { kind: 'hls_playlist', key: `${base}/hls/480p/index.m3u8`, size_bytes: 300, content_type: 'application/vnd.apple.mpegurl', rendition: '480p' },
      { kind: 'hls_segment', key: `${base}/hls/480p/segment-000.ts`, size_bytes: 250000, content_type: 'video/mp2t', rendition: '480p' },
    ];
    // The transition ends the progress run too.
    if ((await store.complete(jobId, { outputs, duration_seconds: 10 }, 1)) !== 'ok') throw new Error('seed: complete refused');
    const facts = {
      duration_seconds: 10,
      width: 854,
      height: 480,
      fps: 15,
      video_codec: 'h264',
      audio_codec: 'aac',
      audio_channels: 2,
      audio_sample_rate: 48000,
      bit_rate: 400000,
      size_bytes: 512000,
      format: 'mp4',
      rotation: 0,
    };
    await metadata.createForJob({
      jobId,
      owner,
      topic: configuration.topic,
      facts,
      renditions: [{ label: '480p', format: 'mp4', key: `${base}/video.mp4`, width: 854, height: 480, fps: 15, bit_rate: 400000, size_bytes: 512000, duration_seconds: 10, video_codec: 'h264', audio_codec: 'aac' }],
      outputs,
    });
    return jobId;
  } finally {
    redis.disconnect();
  }
}

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/**
 * The reader's data: one completed job (through the real stores) and 19 queued
 * ones (through the API), so its list page holds 20 jobs, one of them with signed URLs.
 */
export async function seedReader(vidgen: string, redisUrl: string, prefix: string): Promise<string> {
  const completed = await seedCompletedJob({ redisUrl, prefix, owner: READER.owner });
  for (let i = 0; i < 19; i++) {
    const r = await post(`${vidgen}${API}/generate`, SUBMIT_BODY, { authorization: `Bearer ${READER.key}` });
    if (r.status !== 202) throw new Error(`seed submit answered ${r.status}: ${JSON.stringify(r.json)}`);
  }
  return completed;
}

