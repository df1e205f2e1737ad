import { OutputUploads, buildMetadataInput, planOutputs, prepareOutputs, type Delivery, type MetadataInput, type PreparedDelivery } from '@vidgen/jobs';
import { prepareDelivery, type VideoGenerationResult } from '@vidgen/pipeline';
import type { S3UploadManager } from '@vidgen/storage';

export interface WorkerDeliveryOptions {
  uploads: S3UploadManager;
  ffmpegPath: string;
  ffprobePath: string;
  delivery: { thumbnailCount: number; thumbnailWidth: number; hlsSegmentSeconds: number };
}

/** The pipeline's media work (stills, HLS, probe) behind the attempt's Delivery; the output model is @vidgen/jobs'. */
export function createWorkerDelivery(options: WorkerDeliveryOptions): Delivery<VideoGenerationResult, PreparedDelivery, MetadataInput> {
  const { uploads, ffmpegPath, ffprobePath, delivery } = options;
  return {
    prepare: async ({ onFinal, ...input }) => prepareOutputs(await prepareDelivery({ ...input, ffmpegPath, ffprobePath, delivery, onFinal: (files) => onFinal(planOutputs(files)) })),
    uploads: (record, signal) => new OutputUploads({ uploads, owner: record.owner, jobId: record.job_id, signal }),
    metadataInput: (record, prepared, outputs) => buildMetadataInput(record, prepared.video, outputs, prepared.variants),
  };
}
