import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mixAudio, packageHls, parseEbur128Summary, PipelineIntegrator, type VideoGenerationResult } from '../src';
import { exec, ffmpegPath, ffprobePath, makeJob, streamsOf } from './helpers';

/**
 * One narrated video (Festival, calm music) through the whole pipeline, then
 * measured from the outside: stream lengths, loudness of the final AAC
 * track, cue starts against onsets silencedetect finds on the narration-only
 * mix, each bullet's first visible frame against its spoken start, the
 * music's ducking, and the HLS subtitles rendition.
 */

let base: string;
let result: VideoGenerationResult;
/** Speech onsets (s) on the narration-only mix: where each silence of at least 150 ms ends, and 0 if speech starts at once. */
let onsets: number[];
/** Silences of the narration-only mix, [start, end]. */
let silences: Array<[number, number]>;

async function ebur128(file: string): Promise<{ integratedLufs: number; truePeakDb: number }> {
  const { stderr } = await exec(ffmpegPath, ['-hide_banner', '-nostats', '-i', file, '-map', '0:a', '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-']);
  const m = parseEbur128Summary(stderr);
  if (!m) throw new Error('no ebur128 summary');
  return m;
}

async function rmsDb(file: string, from: number, to: number): Promise<number> {
  const { stderr } = await exec(ffmpegPath, ['-hide_banner', '-nostats', '-i', file, '-af', `atrim=${from}:${to},astats=metadata=0`, '-f', 'null', '-']);
  const m = /Overall[\s\S]*?RMS level dB: (-?[\d.]+|-inf)/.exec(stderr);
  if (!m) throw new Error('no astats');
  return m[1] === '-inf' ? -Infinity : Number(m[1]);
}

/** Gray frames of [from, from + seconds) at the video's own rate. */
async function grayFrames(video: string, from: number, seconds: number, width: number, height: number): Promise<Buffer[]> {
  const { stdout } = await exec(ffmpegPath, ['-v', 'error', '-ss', from.toFixed(3), '-i', video, '-t', seconds.toFixed(3), '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], 'buffer');
  const buf = stdout as Buffer;
  const size = width * height;
  return Array.from({ length: Math.floor(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size));
}

/** Row bands [top, bottom] holding content (pixels far from the corner's background), separated by at least `gap` empty rows. */
function contentBands(gray: Buffer, width: number, height: number, gap = 6): Array<[number, number]> {
  const background = gray[0]!;
  const rows: boolean[] = [];
  for (let y = 0; y < height; y++) {
    let any = false;
    for (let x = 0; x < width && !any; x++) any = Math.abs(gray[y * width + x]! - background) > 60;
    rows.push(any);
  }
  const bands: Array<[number, number]> = [];
  let empty = gap;
  rows.forEach((on, y) => {
    if (!on) return void (empty += 1);
    const last = bands[bands.length - 1];
    if (last && empty < gap) last[1] = y;
    else bands.push([y, y]);
    empty = 0;
  });
  return bands;
}

function bandVisible(gray: Buffer, width: number, band: [number, number]): boolean {
  const background = gray[0]!;
  let n = 0;
  for (let y = band[0]; y <= band[1]; y++) for (let x = 0; x < width; x++) if (Math.abs(gray[y * width + x]! - background) > 40) n += 1;
  return n >= 20;
}

beforeAll(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'vidgen-voice-video-'));
  const integrator = new PipelineIntegrator({ ffmpegPath, scratchBaseDir: base });
  const job = makeJob({
    quality: 'low',
    narration: true,
    music: { preset: 'calm' },
    scenes: [
      { layout: 'title', title: 'Voice and sound' },
      { layout: 'bullets', title: 'Three steps', items: ['Write the script', 'Record the voice', 'Mix the music'] },
      // Longer than its speech: a pause in which the music comes back up.
      { layout: 'stat', title: 'Listeners', value: 42, suffix: '%', label: 'listen without watching', duration_seconds: 6 },
    ],
  } as Parameters<typeof makeJob>[0]);
  result = await integrator.run(job);
  // The narration alone, placed as in the video: what the onsets are measured on.
  const narrationOnly = path.join(base, 'narration-only.wav');
  await mixAudio({ ffmpegPath, plan: { durationSeconds: result.audio.plan.durationSeconds, speech: result.audio.plan.speech }, output: narrationOnly, scratchDir: base });
  const { stderr } = await exec(ffmpegPath, ['-hide_banner', '-nostats', '-i', narrationOnly, '-af', 'silencedetect=noise=-45dB:d=0.15', '-f', 'null', '-']);
  const starts = [...stderr.matchAll(/silence_start: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  const ends = [...stderr.matchAll(/silence_end: (-?[\d.]+)/g)].map((m) => Number(m[1]));
  silences = starts.map((s, i) => [s, ends[i] ?? result.durationSeconds]);
  onsets = ends.filter((t) => t < result.durationSeconds - 0.05);
  if (starts.length === 0 || starts[0]! > 0.01) onsets.unshift(0);
}, 120_000);

afterAll(async () => {
  await result?.cleanup();
  await rm(base, { recursive: true, force: true });
});

describe('a narrated video with music', () => {
  it('is narrated by Festival’s HTS voice, every scene, with word timings', () => {
    expect(result.narration).toMatchObject({ voice: 'festival:cmu_us_slt_arctic_hts', timing: 'word' });
    expect(result.scenes.map((s) => s.narrated)).toEqual([true, true, true]);
    expect(result.scenes[1]!.spoken).toBe('Three steps. Write the script. Record the voice. Mix the music.');
    // A narrated scene lasts its speech plus the tail; the stat keeps its asked 6 s.
    expect(result.scenes[2]!.durationSeconds).toBeCloseTo(6, 1);
  });

  it('has one audio track exactly as long as the video (within 50 ms), the video a stream copy of the units', async () => {
    const streams = await streamsOf(ffprobePath, result.videoPath);
    expect(streams.map(([name, type]) => [name, type])).toEqual([
      ['h264', 'video'],
      ['aac', 'audio'],
    ]);
    const video = streams[0]![2];
    const audio = streams[1]![2];
    expect(video).toBeCloseTo(result.durationSeconds, 2);
    expect(Math.abs(audio - video)).toBeLessThanOrEqual(0.05);
  });

  it('is at -16 ± 1 LUFS integrated with a true peak at or under -1.5 dBTP (ebur128 on the final AAC track)', async () => {
    const m = await ebur128(result.videoPath);
    expect(m.integratedLufs).toBeGreaterThanOrEqual(-17);
    expect(m.integratedLufs).toBeLessThanOrEqual(-15);
    expect(m.truePeakDb).toBeLessThanOrEqual(-1.5);
  });

  it('captions what is spoken: cue starts within ±100 ms of the onsets silencedetect finds, cues within 2 × 42 characters and 7 s', async () => {
    const vtt = await readFile(result.subtitlesPath!, 'utf8');
    expect(vtt).toContain('Write the script.');
    expect(vtt).toContain('42% listen without watching.');
    const cues = result.captions!;
    expect(cues.length).toBeGreaterThanOrEqual(6);
    for (const cue of cues) {
      const nearest = Math.min(...onsets.map((o) => Math.abs(o - cue.startSeconds)));
      expect({ cue: cue.text, within100ms: nearest <= 0.1 }).toEqual({ cue: cue.text, within100ms: true });
      expect(cue.endSeconds - cue.startSeconds).toBeLessThanOrEqual(7);
      const lines = cue.text.split('\n');
      expect(lines.length).toBeLessThanOrEqual(2);
      for (const l of lines) expect(l.length).toBeLessThanOrEqual(42);
    }
  });

  it('shows each bullet within ±150 ms of its spoken start (first visible frame against the silencedetect onset)', async () => {
    const { plan } = result;
    const scene = plan.scenes[1]!;
    const from = scene.startFrame / plan.fps;
    const seconds = (scene.frames - scene.transition.frames) / plan.fps;
    const frames = await grayFrames(result.videoPath, from, seconds, plan.width, plan.height);
    const last = frames[frames.length - 1]!;
    const bands = contentBands(last, plan.width, plan.height);
    // The title (and its rule), then one band per bullet.
    expect(bands.length).toBeGreaterThanOrEqual(4);
    const itemBands = bands.slice(-3);
    const words = result.narration!.words;
    const items = ['Write', 'Record', 'Mix'];
    items.forEach((first, i) => {
      const word = words.find((w) => w.text === first && w.startSeconds >= from)!;
      const spoken = onsets.reduce((best, o) => (Math.abs(o - word.startSeconds) < Math.abs(best - word.startSeconds) ? o : best));
      expect(Math.abs(spoken - word.startSeconds)).toBeLessThanOrEqual(0.1);
      const firstVisible = frames.findIndex((f) => bandVisible(f, plan.width, itemBands[i]!));
      const visibleAt = from + firstVisible / plan.fps;
      expect({ item: first, visibleAt, spoken, within150ms: Math.abs(visibleAt - spoken) <= 0.15 }).toMatchObject({ item: first, within150ms: true });
    });
  });

  it('ducks the music: ≥ 8 dB lower while the voice speaks than in the pause the stat scene leaves', async () => {
    const stems = { music: path.join(base, 'bed.wav'), duckedMusic: path.join(base, 'ducked.wav') };
    await mixAudio({ ffmpegPath, plan: result.audio.plan, output: path.join(base, 'stems-mix.wav'), scratchDir: base, stems });
    const ducking = async (a: number, b: number) => (await rmsDb(stems.music, a, b)) - (await rmsDb(stems.duckedMusic, a, b));
    // Each spoken sentence of the bullets scene, from Festival's sentence spans.
    const start = result.scenes[1]!.startSeconds;
    const sentences = result.captions!.filter((c) => c.startSeconds >= start && c.startSeconds < start + result.scenes[1]!.durationSeconds);
    expect(sentences.length).toBe(4);
    const pause = silences.find(([a, b]) => a > result.scenes[2]!.startSeconds && b - a > 2)!;
    expect(pause).toBeDefined();
    const pauseDucking = await ducking(pause[0] + 0.8, pause[1] - 0.1);
    for (const cue of sentences) {
      const during = await ducking(cue.startSeconds + 0.1, cue.endSeconds - 0.4);
      expect({ cue: cue.text, atLeast8dB: during - pauseDucking >= 8 }).toEqual({ cue: cue.text, atLeast8dB: true });
    }
  });

  it('packages HLS with an EXT-X-MEDIA TYPE=SUBTITLES rendition of segmented WebVTT', async () => {
    const hls = await packageHls({ ffmpegPath, ffprobePath, input: result.videoPath, width: result.width, height: result.height, quality: 'low', durationSeconds: result.durationSeconds, sourceFps: result.fps, outDir: base, segmentSeconds: 4, subtitles: result.captions });
    const master = await readFile(hls.masterPath, 'utf8');
    expect(master).toContain('#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs"');
    expect(master).toContain('URI="subs/index.m3u8"');
    expect(master).toMatch(/#EXT-X-STREAM-INF:.*SUBTITLES="subs"/);
    expect(hls.subtitles!.segmentPaths).toHaveLength(hls.variants[0]!.segmentPaths.length);
    const first = await readFile(hls.subtitles!.segmentPaths[0]!, 'utf8');
    expect(first).toMatch(/^WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:\d+,LOCAL:00:00:00.000\n/);
    expect(first).toContain('Voice and sound.');
  });

});
