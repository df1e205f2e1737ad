/**
 * pnpm bench:tts — each installed narration engine's default voice on one
 * fixed English paragraph (about 60 words, 6 sentences), 3 runs each, median:
 *  - realtime factor = synthesis wall time ÷ speech seconds (below 1: faster than real time);
 *  - CPU realtime factor = the engine processes' CPU seconds (user + system of
 *    waited-for children, from /proc/self/stat) ÷ speech seconds: what load
 *    cannot inflate;
 *  - characters per second of speech = paragraph characters ÷ speech seconds,
 *    what a planner needs to estimate a scene's length before synthesizing.
 * Wall time on a shared machine includes waiting for a core: run it quiet.
 * Prints one JSON line.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chooseEngine, createSynthesizer, probeVoices, TTS_ENGINES } from '@vidgen/pipeline';

const PARAGRAPH =
  'Solar panels turn sunlight into electricity. Each panel is made of many small cells. ' +
  'When light strikes a cell, it frees electrons that flow as a current. ' +
  'An inverter changes that current into the kind your home uses. ' +
  'On a sunny day, a typical roof can power most of a household. ' +
  'Batteries store the surplus for the evening.';
const RUNS = 3;
/** CPU seconds of this process's finished children (cutime + cstime, Linux clock ticks of 1/100 s). */
async function childCpuSeconds(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vidgen-bench-tts-'));
  try {
    const textFile = path.join(dir, 'paragraph.txt');
    await writeFile(textFile, PARAGRAPH);
    const offers = await probeVoices();
    const engines: Record<string, unknown> = {};
    for (const engine of TTS_ENGINES.filter((e) => offers.some((o) => o.engine === e))) {
      const synth = createSynthesizer(engine);
      const walls: number[] = [];
      const cpus: number[] = [];
      let speech = 0;
      for (let i = 0; i < RUNS; i += 1) {
        const t0 = performance.now();
        const c0 = await childCpuSeconds();
        const r = await synth.synthesize({ textFile, wavFile: path.join(dir, `${engine}-${i}.wav`) });
        walls.push((performance.now() - t0) / 1000);
        cpus.push((await childCpuSeconds()) - c0);
        speech = r.durationSeconds;
      }
      engines[engine] = {
        voice: synth.voice,
        speech_seconds: round(speech),
        wall_seconds_median: round(median(walls)),
        realtime_factor: round(median(walls) / speech),
        cpu_seconds_median: round(median(cpus), 2),
        cpu_realtime_factor: round(median(cpus) / speech),
        chars_per_second: round(PARAGRAPH.length / speech, 2),
      };
    }
    console.log(JSON.stringify({ bench: 'tts', characters: PARAGRAPH.length, runs: RUNS, default_engine: chooseEngine(offers), cores: os.availableParallelism(), load1: round(os.loadavg()[0]!, 2), engines }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
