import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { jobObjectKey, type S3UploadManager, type UploadRequest, type UploadedObject } from '@vidgen/storage';
import { OutputUploads, type LocalOutput } from '@vidgen/jobs';

/** A fake of our own upload manager: records when each key starts and ends; an upload ends when released (or aborted). */
function fakeUploads() {
  const events: string[] = [];
  const pending = new Map<string, () => void>();
  const uploadFile = (r: UploadRequest, signal?: AbortSignal) =>
    new Promise<UploadedObject>((resolve, reject) => {
      events.push(`start ${path.basename(r.key)}`);
      const done = () => {
        events.push(`end ${path.basename(r.key)}`);
        r.onProgress?.(4, 4);
        resolve({ key: r.key, size_bytes: 4, etag: null, content_type: r.contentType } as UploadedObject);
      };
      pending.set(path.basename(r.key), done);
      signal?.addEventListener('abort', () => {
        events.push(`aborted ${path.basename(r.key)}`);
        reject(new Error('aborted'));
      });
      // The master is released at once: it must simply come last.
      if (r.key.endsWith('master.m3u8')) done();
    });
  const manager = { uploadFile, uploadBatch: (rs: readonly UploadRequest[], signal?: AbortSignal) => Promise.all(rs.map((r) => uploadFile(r, signal))) };
  return { manager: manager as unknown as S3UploadManager, events, release: (name: string) => pending.get(name)!() };
}

describe('OutputUploads', () => {
  let dir: string;
  let outputs: LocalOutput[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-output-uploads-'));
    const file = (name: string) => path.join(dir, name);
    for (const n of ['video.mp4', 'poster.jpg', 'seg-00000.ts', 'master.m3u8']) await writeFile(file(n), 'data');
    outputs = [
      { kind: 'video', output: 'video.mp4', filePath: file('video.mp4'), contentType: 'video/mp4' },
      { kind: 'poster', output: 'poster.jpg', filePath: file('poster.jpg'), contentType: 'image/jpeg' },
      { kind: 'hls_segment', output: 'hls/480p/seg-00000.ts', filePath: file('seg-00000.ts'), contentType: 'video/mp2t', rendition: '480p' },
      { kind: 'hls_master', output: 'hls/master.m3u8', filePath: file('master.m3u8'), contentType: 'application/vnd.apple.mpegurl' },
    ];
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('uploads what is final at once, each object once, and the master only after every other is stored', async () => {
    const fake = fakeUploads();
    const uploads = new OutputUploads({ uploads: fake.manager, owner: 'o', jobId: 'j' });
    uploads.start(outputs);
    expect(fake.events).toEqual(['start video.mp4', 'start poster.jpg', 'start seg-00000.ts']);
    const progress: number[] = [];
    const finished = uploads.finish(outputs, (p) => progress.push(p));
    fake.release('poster.jpg');
    fake.release('video.mp4');
    await new Promise((r) => setImmediate(r));
    expect(fake.events).not.toContain('start master.m3u8');
    fake.release('seg-00000.ts');
    const records = await finished;
    expect(fake.events.slice(-3)).toEqual(['end seg-00000.ts', 'start master.m3u8', 'end master.m3u8']);
    expect(records.map((r) => [r.kind, r.key, r.size_bytes, r.rendition])).toEqual(outputs.map((o) => [o.kind, jobObjectKey('o', 'j', o.output), 4, o.rendition]));
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('completes each planned record with its key and size and keeps every other fact (a thumbnail time, the I-frame flag)', async () => {
    const fake = fakeUploads();
    const uploads = new OutputUploads({ uploads: fake.manager, owner: 'o', jobId: 'j' });
    const planned: LocalOutput[] = [
      { kind: 'thumbnail', output: 'thumbnails/thumb-001.jpg', filePath: path.join(dir, 'poster.jpg'), contentType: 'image/jpeg', width: 320, height: 180, time_seconds: 1.5 },
      { kind: 'hls_playlist', output: 'hls/480p/iframes.m3u8', filePath: path.join(dir, 'master.m3u8'), contentType: 'application/vnd.apple.mpegurl', width: 854, height: 480, rendition: '480p', i_frames: true },
    ];
    const finished = uploads.finish(planned);
    while (!fake.events.includes('start iframes.m3u8')) await new Promise((r) => setTimeout(r, 5));
    fake.release('thumb-001.jpg');
    fake.release('iframes.m3u8');
    expect(await finished).toEqual([
      { kind: 'thumbnail', key: jobObjectKey('o', 'j', 'thumbnails/thumb-001.jpg'), size_bytes: 4, content_type: 'image/jpeg', width: 320, height: 180, time_seconds: 1.5 },
      { kind: 'hls_playlist', key: jobObjectKey('o', 'j', 'hls/480p/iframes.m3u8'), size_bytes: 4, content_type: 'application/vnd.apple.mpegurl', width: 854, height: 480, rendition: '480p', i_frames: true },
    ]);
  });

  it('abort stops the uploads in flight and settles only once none runs', async () => {
    const fake = fakeUploads();
    const uploads = new OutputUploads({ uploads: fake.manager, owner: 'o', jobId: 'j' });
    uploads.start(outputs.slice(0, 2));
    await uploads.abort();
    expect(fake.events).toEqual(['start video.mp4', 'start poster.jpg', 'aborted video.mp4', 'aborted poster.jpg']);
  });
});
