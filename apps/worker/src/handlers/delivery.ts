import type { Delivery } from '@vidgen/jobs';
import type { CreateVideoInput } from '@vidgen/metadata';
import type { VideoGenerationResult } from '@vidgen/pipeline';
import type { S3UploadManager } from '@vidgen/storage';
import { buildMetadataInput, type RenditionFacts } from './metadata';
import { prepareDelivery, type PreparedDelivery } from './prepare-delivery';
import { OutputUploads } from './upload-outputs';

export interface WorkerDeliveryOptions {
  uploads: S3UploadManager;
  ffmpegPath: string;
  ffprobePath: string;
  delivery: { thumbnailCount: number; thumbnailWidth: number; hlsSegmentSeconds: number };
}

/** The worker's output model behind the attempt's Delivery: prepare the files, upload them, describe the video. */
export function createWorkerDelivery(options: WorkerDeliveryOptions): Delivery<VideoGenerationResult, PreparedDelivery, CreateVideoInput> {
  const { uploads, ffmpegPath, ffprobePath, delivery } = options;
  return {
    prepare: (input) => prepareDelivery({ ...input, ffmpegPath, ffprobePath, delivery }),
    uploads: (record, signal) => new OutputUploads({ uploads, owner: record.owner, jobId: record.job_id, signal }),
    metadataInput(record, prepared, outputs) {
      const hlsRenditions: RenditionFacts[] = prepared.variants.flatMap(({ label, facts: f }) => {
        const playlist = outputs.find((o) => o.kind === 'hls_playlist' && o.rendition === label && o.key.endsWith('/index.m3u8'));
        return playlist ? [{ label, format: 'hls' as const, key: playlist.key, facts: f }] : [];
      });
      return buildMetadataInput(record, prepared.video, outputs, hlsRenditions);
    },
  };
}
