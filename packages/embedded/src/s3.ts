import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import S3rver from 's3rver';

export interface EmbeddedS3Options {
  port: number;
  host?: string;
  directory: string;
  /** Buckets created at start, each with BUCKET_CORS_RULE (a bucket made later by CreateBucket has no CORS). */
  buckets?: string[];
}

export interface EmbeddedS3 {
  endpoint: string;
  port: number;
  accessKeyId: string;
  secretAccessKey: string;
  close(): Promise<void>;
}

/**
 * The bucket CORS rule of the README (AllowedOrigins "*" here: this is a
 * development store): browser players on any origin may GET segments,
 * subtitles, sprites and the MP4, with Range, and read the length headers.
 */
export const BUCKET_CORS_RULE = {
  AllowedOrigins: ['*'],
  AllowedMethods: ['GET', 'HEAD'],
  AllowedHeaders: ['Range'],
  ExposeHeaders: ['Content-Length', 'Content-Range', 'ETag'],
  MaxAgeSeconds: 3600,
} as const;

/** The rule as S3's CORSConfiguration XML (what PutBucketCors sends, and what s3rver reads at start). */
export function corsConfigurationXml(rule: typeof BUCKET_CORS_RULE = BUCKET_CORS_RULE): string {
  const tags = (name: string, values: readonly string[]) => values.map((v) => `<${name}>${v}</${name}>`).join('');
  return (
    '<CORSConfiguration><CORSRule>' +
    tags('AllowedOrigin', rule.AllowedOrigins) +
    tags('AllowedMethod', rule.AllowedMethods) +
    tags('AllowedHeader', rule.AllowedHeaders) +
    tags('ExposeHeader', rule.ExposeHeaders) +
    `<MaxAgeSeconds>${rule.MaxAgeSeconds}</MaxAgeSeconds>` +
    '</CORSRule></CORSConfiguration>'
  );
}

/** s3rver's fixed credentials. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/**
 * Starts s3rver, an S3-compatible server over real HTTP, storing objects under
 * `directory`. Note: it does not verify signatures, so tests of presigned URLs
 * check signatures with an independent SigV4 implementation.
 */
export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const { port, host = '127.0.0.1', directory, buckets = [] } = options;
  await mkdir(directory, { recursive: true });
  const server = new S3rver({
    port,
    address: host,
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name, configs: [corsConfigurationXml()] })),
  });
  const address = (await server.run()) as { port: number };
  const httpServer = (server as unknown as { httpServer: Server }).httpServer;
  return {
    endpoint: `http://${host}:${address.port}`,
    port: address.port,
    ...EMBEDDED_S3_CREDENTIALS,
    async close() {
      // Keep-alive clients would otherwise hold close() open.
      httpServer.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
