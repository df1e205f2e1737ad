import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createClient, type GenerateRequest } from '@vidgen/client';
import { loadConfig } from '@vidgen/config';
import { probe, resolveFfprobePath } from '@vidgen/ffmpeg';
import { deleteKeysAt } from '@vidgen/queue';
import { startStack, type Stack } from './stack';

const SAMPLE: GenerateRequest = {
  configuration: {
    topic: 'Why the sky is blue',
    context:
      'Sunlight contains every colour. When it enters the atmosphere, air molecules scatter short blue wavelengths far more than long red ones. ' +
      'That scattered blue light reaches our eyes from every direction, so the whole sky glows blue. At sunset the light crosses more air, the blue is scattered away, and reds remain.',
    quality: 'low',
  },
};

/**
 * `pnpm demo`: starts the stack on free ports with its own key prefix, submits
 * a sample low-quality job with @vidgen/client, follows its event stream, downloads the MP4 through the signed
 * URL, prints its ffprobe summary, stops everything and exits 0.
 */
async function main(): Promise<number> {
  const started = Date.now();
  const say = (line: string) => process.stdout.write(`[demo] ${line}\n`);
  const dataDir = path.resolve(loadConfig().embedded.dataDir);
  const logFile = path.join(dataDir, 'demo', 'stack.log');
  const prefix = `vidgen-demo-${randomBytes(4).toString('hex')}`;
  say(`starting the stack (logs: ${logFile})`);
  let stack: Stack | null = null;
  try {
    stack = await startStack({ output: logFile, freePorts: true, env: { ...process.env, QUEUE_PREFIX: prefix }, say });
    const key = process.env.API_KEYS?.split(',')[0]?.split(':').slice(1).join(':');
    const vg = createClient({ baseUrl: stack.apiUrl, apiKey: key });
    const accepted = await vg.submit(SAMPLE);
    say(`submitted job ${accepted.job_id}`);

    // The job's event stream, one line per stage change; then the whole job.
    let last = '';
    for await (const e of vg.follow(accepted.job_id, { signal: AbortSignal.timeout(120000) })) {
      if (e.event !== 'message') continue;
      const line = `${e.data.status} ${e.data.progress.stage} ${Math.round(e.data.progress.percentage)}%`;
      if (line !== last) say(line);
      last = line;
    }
    const job = await vg.get(accepted.job_id);
    process.stdout.write(`${JSON.stringify(job, null, 2)}\n`);
    if (job.status !== 'completed' || !job.result?.video_url) throw new Error(`the job ended ${job.status}`);

    const file = path.join(dataDir, 'demo', `${accepted.job_id}.mp4`);
    const download = await fetch(job.result.video_url);
    if (!download.ok || !download.body) throw new Error(`downloading the video answered ${download.status}`);
    await pipeline(Readable.fromWeb(download.body as import('node:stream/web').ReadableStream), createWriteStream(file));
    const facts = await probe(file, { ffprobePath: resolveFfprobePath(process.env.FFPROBE_PATH) });
    say(`video URL (signed; works while a stack serves ${stack.s3.endpoint}):`);
    process.stdout.write(`${job.result.video_url}\n`);
    say(`downloaded to ${file}`);
    say(
      `ffprobe: ${facts.video?.codec} ${facts.video?.width}x${facts.video?.height} @ ${facts.video?.fps} fps, ${facts.video?.pix_fmt}, ` +
        `audio ${facts.audio?.codec} ${facts.audio?.channels}ch ${facts.audio?.sample_rate} Hz, ${facts.duration_seconds.toFixed(2)} s, ${facts.size_bytes} bytes`,
    );
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    say(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    const tail = await readFile(logFile, 'utf8').catch(() => '');
    if (tail) process.stderr.write(`--- last lines of ${logFile} ---\n${tail.split('\n').slice(-30).join('\n')}\n`);
    return 1;
  } finally {
    if (stack) {
      await stack.stop();
      await deleteKeysAt(stack.redis.url, prefix).catch(() => undefined);
    }
  }
}

void mkdir(path.resolve(loadConfig().embedded.dataDir, 'demo'), { recursive: true })
  .then(main)
  .then((code) => process.exit(code));
