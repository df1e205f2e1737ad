import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  buildFinalMixArgs,
  checkAudioPlan,
  createSynthesizer,
  finalGain,
  MIX_SAMPLE_RATE,
  mixAudio,
  musicLoudnessLufs,
  musicSourceFilter,
  parseEbur128Summary,
  voiceBusFilter,
  type Synthesis,
} from '@vidgen/pipeline';
import { exec, ffmpegPath, ffprobePath } from './helpers';

let dir: string;
let first: Synthesis;
let second: Synthesis;

/** ebur128 over a whole file, measured by ffmpeg independently of the mix's own measurement. */
async function ebur128(file: string): Promise<{ integratedLufs: number; truePeakDb: number }> {
  const { stderr } = await exec(ffmpegPath, ['-hide_banner', '-nostats', '-i', file, '-af', 'ebur128=peak=true:framelog=verbose', '-f', 'null', '-']);
  const m = parseEbur128Summary(stderr);
  if (!m) throw new Error(`no ebur128 summary: ${stderr.slice(-500)}`);
  return m;
}

/** RMS level (dB) of [from, to) seconds of a file, with ffmpeg's astats. */
async function rmsDb(file: string, from: number, to: number): Promise<number> {
  const { stderr } = await exec(ffmpegPath, ['-hide_banner', '-nostats', '-i', file, '-af', `atrim=${from}:${to},astats=metadata=0`, '-f', 'null', '-']);
  const m = /Overall[\s\S]*?RMS level dB: (-?[\d.]+|-inf)/.exec(stderr);
  if (!m) throw new Error(`no astats: ${stderr.slice(-500)}`);
  return m[1] === '-inf' ? -Infinity : Number(m[1]);
}

async function probe(file: string): Promise<{ duration: number; sampleRate: number; channels: number }> {
  const { stdout } = await exec(ffprobePath, ['-v', 'error', '-show_entries', 'stream=duration,sample_rate,channels', '-of', 'json', file]);
  const s = JSON.parse(String(stdout)).streams[0];
  return { duration: Number(s.duration), sampleRate: Number(s.sample_rate), channels: Number(s.channels) };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-audio-'));
  const festival = createSynthesizer('festival');
  await writeFile(path.join(dir, 'a.txt'), 'Solar panels turn sunlight into electricity. Each panel is made of many small cells.');
  await writeFile(path.join(dir, 'b.txt'), 'An inverter changes that current into the kind your home uses.');
  first = await festival.synthesize({ textFile: path.join(dir, 'a.txt'), wavFile: path.join(dir, 'a.wav') });
  second = await festival.synthesize({ textFile: path.join(dir, 'b.txt'), wavFile: path.join(dir, 'b.wav') });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('audio plan and arguments (pure)', () => {
  it('places clips sample-exactly: a silent lead, each clip padded (or cut) to its slot, concatenated', () => {
    const filter = voiceBusFilter({ durationSeconds: 10, speech: [{ file: 'a.wav', startSeconds: 1.5 }, { file: 'b.wav', startSeconds: 6 }] });
    expect(filter).toContain('anullsrc=r=48000:cl=mono,atrim=end_sample=72000[lead]');
    expect(filter).toContain('[0:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=mono,atrim=end_sample=216000,apad=whole_len=216000[c0]');
    expect(filter).toContain('[1:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=mono,atrim=end_sample=192000,apad=whole_len=192000[c1]');
    expect(filter).toMatch(/\[lead\]\[c0\]\[c1\]concat=n=3:v=0:a=1\[voice\]$/);
    expect(voiceBusFilter({ durationSeconds: 2, speech: [] })).toBe('anullsrc=r=48000:cl=mono,atrim=end_sample=96000[lead];[lead]concat=n=1:v=0:a=1[voice]');
    expect(voiceBusFilter({ durationSeconds: 2, speech: [{ file: 'a.wav', startSeconds: 0 }] })).not.toContain('[lead]');
  });

  it('refuses plans that would make a bad graph', () => {
    expect(() => checkAudioPlan({ durationSeconds: 0, speech: [] })).toThrow(/durationSeconds/);
    expect(() => checkAudioPlan({ durationSeconds: 5, speech: [{ file: 'a', startSeconds: 5 }] })).toThrow(/outside/);
    expect(() => checkAudioPlan({ durationSeconds: 5, speech: [{ file: 'a', startSeconds: 2 }, { file: 'b', startSeconds: 1 }] })).toThrow(/sorted/);
    expect(() => checkAudioPlan({ durationSeconds: 5, speech: [], music: { preset: 'calm', volume: 1.5 } })).toThrow(/volume/);
  });

  it('gains to -16 LUFS, limits only when a peak would pass the ceiling, leaves silence alone', () => {
    expect(finalGain({ integratedLufs: -20, truePeakDb: -10, lra: 5 })).toEqual({ gainDb: 4, limit: false });
    expect(finalGain({ integratedLufs: -30, truePeakDb: -10, lra: 5 })).toEqual({ gainDb: 14, limit: true });
    expect(finalGain({ integratedLufs: -70, truePeakDb: -Infinity, lra: 0 })).toEqual({ gainDb: 0, limit: false });
    const args = buildFinalMixArgs({ premix: 'p.wav', gainDb: 14, limit: true, samples: 480000, output: 'o.wav' });
    expect(args[args.indexOf('-af') + 1]).toBe('volume=14dB,alimiter=limit=0.7499:attack=2:release=60:level=false,atrim=end_sample=480000,apad=whole_len=480000,aformat=sample_fmts=s16');
    const measuring = buildFinalMixArgs({ premix: 'p.wav', gainDb: 4, limit: false, samples: 480000, output: 'o.m4a', codec: 'aac', measure: true });
    expect(measuring.slice(measuring.indexOf('-filter_complex'))).toEqual([
      '-filter_complex',
      '[0:a]volume=4dB,atrim=end_sample=480000,apad=whole_len=480000,aformat=sample_fmts=s16,asplit[out][meas];[meas]ebur128=peak=true:framelog=verbose[measured]',
      '-map', '[out]', '-c:a', 'aac', '-b:a', '160k', '-y', 'o.m4a', '-map', '[measured]', '-f', 'null', '-',
    ]);
  });

  it('parses ebur128 summaries, silence included', () => {
    const summary = '[Parsed_ebur128_0 @ 0x1] Summary:\n\n  Integrated loudness:\n    I:         -16.4 LUFS\n    Threshold: -27.0 LUFS\n\n  Loudness range:\n    LRA:         5.3 LU\n\n  True peak:\n    Peak:       -5.0 dBFS\n';
    expect(parseEbur128Summary(summary)).toEqual({ integratedLufs: -16.4, truePeakDb: -5, lra: 5.3 });
    expect(parseEbur128Summary(summary.replace('-5.0 dBFS', '-inf dBFS'))).toMatchObject({ truePeakDb: -Infinity });
    expect(parseEbur128Summary('no summary')).toBeNull();
  });
});

describe('the mix with real ffmpeg', () => {
  it('narration over calm music: -16 LUFS, true peak under -1.5 dBTP, exact length, music ducked under the voice', async () => {
    const durationSeconds = 14.5;
    const speech = [
      { file: first.wavFile, startSeconds: 1 },
      { file: second.wavFile, startSeconds: 9.25 },
    ];
    const output = path.join(dir, 'mix.wav');
    const stems = { music: path.join(dir, 'bed.wav'), duckedMusic: path.join(dir, 'ducked.wav') };
    const result = await mixAudio({ ffmpegPath, plan: { durationSeconds, speech, music: { preset: 'calm' } }, output, scratchDir: dir, stems });

    const loudness = await ebur128(output);
    expect(loudness.integratedLufs).toBeGreaterThanOrEqual(-17);
    expect(loudness.integratedLufs).toBeLessThanOrEqual(-15);
    expect(loudness.truePeakDb).toBeLessThanOrEqual(-1.5);
    const p = await probe(output);
    expect(p).toMatchObject({ sampleRate: MIX_SAMPLE_RATE, channels: 2 });
    expect(Math.abs(p.duration - durationSeconds)).toBeLessThanOrEqual(0.05);
    expect(result.samples).toBe(durationSeconds * MIX_SAMPLE_RATE);

    // Ducking: the bed with and without the voice's sidechain, over spans inside each spoken sentence
    // (from Festival's own sentence spans) and over a pause well past the release.
    const ducking = async (from: number, to: number) => (await rmsDb(stems.music, from, to)) - (await rmsDb(stems.duckedMusic, from, to));
    for (const [clip, start] of [
      [first, 1],
      [second, 9.25],
    ] as const) {
      for (const s of clip.sentences) {
        const depth = await ducking(start + s.startSeconds + 0.1, start + s.endSeconds);
        expect({ sentence: s.text, atLeast8dB: depth >= 8 }).toEqual({ sentence: s.text, atLeast8dB: true });
      }
    }
    const pauseFrom = 1 + first.durationSeconds + 0.6;
    expect(pauseFrom).toBeLessThan(9.0);
    expect(Math.abs(await ducking(pauseFrom, 9.2))).toBeLessThan(1);
    // In the pause the final mix is the music alone, and it is there (not ducked to nothing).
    expect(await rmsDb(output, pauseFrom, 9.2)).toBeGreaterThan(-50);
  });

  it('music alone (bright) and a peaky voice alone (limited) reach the target; silence stays silence at the exact length', async () => {
    const music = path.join(dir, 'music-only.wav');
    await mixAudio({ ffmpegPath, plan: { durationSeconds: 6.02, speech: [], music: { preset: 'bright', volume: 0.5 } }, output: music, scratchDir: dir });
    const m = await ebur128(music);
    expect(Math.abs(m.integratedLufs + 16)).toBeLessThanOrEqual(1);
    expect(m.truePeakDb).toBeLessThanOrEqual(-1.5);
    expect(Math.abs((await probe(music)).duration - 6.02)).toBeLessThanOrEqual(0.05);

    // A quiet tone with sharp clicks (a crest factor no compressor tames): the gain to -16 LUFS would
    // push the clicks over the ceiling, so this is the limiter path.
    const clicks = path.join(dir, 'clicks.wav');
    await exec(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-filter_complex', "aevalsrc='0.01*sin(2*PI*300*t)+if(lt(mod(t,0.5),0.001),0.9,0)':s=48000:d=3[c]", '-map', '[c]', '-y', clicks]);
    const voice = path.join(dir, 'clicks-mix.wav');
    const limited = await mixAudio({ ffmpegPath, plan: { durationSeconds: 3.5, speech: [{ file: clicks, startSeconds: 0.25 }] }, output: voice, scratchDir: dir });
    expect(limited.limited).toBe(true);
    const v = await ebur128(voice);
    expect(Math.abs(v.integratedLufs + 16)).toBeLessThanOrEqual(1);
    expect(v.truePeakDb).toBeLessThanOrEqual(-1.5);

    const silence = path.join(dir, 'silence.wav');
    await mixAudio({ ffmpegPath, plan: { durationSeconds: 3, speech: [], music: { preset: 'none' } }, output: silence, scratchDir: dir });
    expect(Math.abs((await probe(silence)).duration - 3)).toBeLessThanOrEqual(0.05);
    expect(await rmsDb(silence, 0, 3)).toBe(-Infinity);
  });

  it('an abort stops the mix as the job\'s cancellation; a missing ffmpeg is RENDER_TOOL_UNAVAILABLE', async () => {
    const controller = new AbortController();
    const plan = { durationSeconds: 60, speech: [{ file: first.wavFile, startSeconds: 0 }], music: { preset: 'calm' as const } };
    const pending = mixAudio({ ffmpegPath, plan, output: path.join(dir, 'aborted.wav'), scratchDir: dir, signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ code: 'JOB_CANCELLED' });
    await expect(mixAudio({ ffmpegPath: '/nonexistent/ffmpeg', plan, output: path.join(dir, 'x.wav'), scratchDir: dir })).rejects.toMatchObject({ code: 'RENDER_TOOL_UNAVAILABLE' });
  });

  it.each(['calm', 'bright'] as const)('the %s bed has the loudness the mix assumes (within 1 LU)', async (preset) => {
    const file = path.join(dir, `${preset}.wav`);
    // One full chord cycle (32 s calm, 16 s bright) is what the constant was measured over.
    const seconds = preset === 'calm' ? 32 : 16;
    await exec(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-filter_complex', `${musicSourceFilter(preset, { samples: seconds * MIX_SAMPLE_RATE, sampleRate: MIX_SAMPLE_RATE })}[m]`, '-map', '[m]', '-y', file]);
    const m = await ebur128(file);
    expect(Math.abs(m.integratedLufs - musicLoudnessLufs(preset))).toBeLessThanOrEqual(1);
  });
});
