/**
 * The object store as the delivery uses it (S3UploadManager in @vidgen/storage implements it
 * structurally): upload one file or a batch, each verified once stored, and say how many bytes
 * it holds. To be merged into ports.ts beside the lifecycle's other ports.
 */
export interface ObjectUpload {
  key: string;
  filePath: string;
  contentType: string;
  /** Bytes sent so far, for the uploading stage's progress. */
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
}

export interface StoredObject {
  /** What the store holds under the key (the record's size_bytes). */
  size_bytes: number;
}

export interface ObjectUploads {
  uploadFile(request: ObjectUpload, signal?: AbortSignal): Promise<StoredObject>;
  /** Results in the order of the requests. */
  uploadBatch(requests: readonly ObjectUpload[], signal?: AbortSignal): Promise<StoredObject[]>;
}
