/**
 * The benchmark's S3 server in its own process, so its CPU and memory are not
 * counted against the uploader. Prints {"endpoint": …} once ready; exits on SIGTERM.
 */
import { startEmbeddedS3 } from '@vidgen/embedded';

async function main(): Promise<void> {
  const [directory, bucket] = process.argv.slice(2);
  const s3 = await startEmbeddedS3({ port: 0, directory: directory!, buckets: [bucket!] });
  process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint })}\n`);
  process.once('SIGTERM', () => void s3.close().then(() => process.exit(0)));
}

void main();
