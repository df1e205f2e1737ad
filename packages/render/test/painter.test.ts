import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { ASPECTS, LAYOUTS, planVideo, type PlanInput, type RenderPlanConfiguration } from '@vidgen/core';
import { backgroundFrame, createPainter, sceneLayoutOf } from '../src/painter';
import { motionRanges } from '../src/timing';
import { EXAMPLE_SCENES, fixturePlan } from '../src/plan-fixtures';
import { countUpValue, formatStat } from '../src/format';
import { EASINGS } from '../src/easing';
import { createCanvas } from '@napi-rs/canvas';
import type { RenderPlan } from '@vidgen/core';
import { clipTo, drawBackground, drawElement, isComplete, isVisible } from '../src/draw';
import { paletteFor } from '../src/palettes';
import { fromRgba } from '../src/compose';
import type { Painter } from '../src/painter';
import { absDiff, differingPixels, luma, outsideSafeDiffs } from './helpers';

const inRanges = (ranges: Array<[number, number]>, n: number): boolean => ranges.some(([a, b]) => n >= a && n < b);

describe('motion ranges are exact', () => {
  it('every frame outside the ranges equals the one before it byte for byte, every frame inside differs', () => {
    const plan = fixturePlan(
      [
        { layout: 'title', content: EXAMPLE_SCENES.title, seconds: 2 },
        { layout: 'bullets', content: { title: 'Three things', items: ['One', 'Two', 'Three'] }, seconds: 2.5, transition: 'push_left' },
        { layout: 'steps', content: { items: ['First', 'Then', 'Finally'] }, seconds: 2.5, transition: 'wipe' },
        { layout: 'chart', content: { chart: { type: 'line', labels: ['a', 'b', 'c'], values: [1, 3, 2] } }, seconds: 2, transition: 'slide_up' },
        { layout: 'stat', content: { value: 1234, label: 'things' }, seconds: 2.5 },
        { layout: 'icon_text', content: EXAMPLE_SCENES.icon_text, seconds: 1.5 },
      ],
      { quality: 'low' },
    );
    const painter = createPainter(plan);
    const ranges = motionRanges(plan);
    // The stat's count-up may show the same rounded number on consecutive frames near its end.
    const statScene = plan.scenes[4]!;
    const count = sceneLayoutOf(painter, 4).elements.find((e) => e.count)!.count!;
    const countTail = (n: number) => n >= statScene.startFrame + count.from + 9 && n < statScene.startFrame + count.from + count.frames;
    // Late in a push the outgoing content has left the frame: the transition test checks those frames.
    const inTransition = (n: number) => plan.scenes.some((s) => s.transition.frames > 0 && n >= s.startFrame + s.frames - s.transition.frames && n < s.startFrame + s.frames + 1);
    let prev = Buffer.from(painter.frame(0));
    const wrong: string[] = [];
    let moving = 0;
    for (let n = 1; n < plan.totalFrames; n++) {
      const cur = Buffer.from(painter.frame(n));
      const same = cur.equals(prev);
      if (inRanges(ranges, n)) {
        moving++;
        if (same && !countTail(n) && !inTransition(n)) wrong.push(`frame ${n} is in a range but equals its predecessor`);
      } else if (!same) wrong.push(`frame ${n} is outside the ranges but differs from its predecessor`);
      prev = cur;
    }
    expect(wrong).toEqual([]);
    // Still frames are the majority: the engine holds them instead of painting.
    expect(moving).toBeLessThan(plan.totalFrames * 0.9);
    expect(moving).toBeGreaterThan(plan.totalFrames * 0.2);
    for (const s of plan.scenes) expect(inRanges(ranges, s.startFrame)).toBe(true);
  });

  it('animation none: the final picture from the first frame, only scene starts and transitions move', () => {
    const plan = fixturePlan(
      [
        { layout: 'bullets', content: EXAMPLE_SCENES.bullets, seconds: 1, animation: 'none' },
        { layout: 'stat', content: EXAMPLE_SCENES.stat, seconds: 1, animation: 'none' },
      ],
      { quality: 'low' },
    );
    const fps = plan.fps;
    expect(motionRanges(plan)).toEqual([[0, 1], [fps - Math.round(0.5 * fps), fps + 1]]);
    const painter = createPainter(plan);
    const first = Buffer.from(painter.frame(0));
    expect(painter.frame(5).equals(first)).toBe(true);
    const statFirst = Buffer.from(painter.frame(fps));
    expect(painter.frame(2 * fps - 1).equals(statFirst)).toBe(true);
  });

  it('with the progress bar on, every frame moves', () => {
    const plan = fixturePlan([{ layout: 'text', content: EXAMPLE_SCENES.text, seconds: 1 }], { quality: 'low', progressBar: true });
    expect(motionRanges(plan)).toEqual([[0, plan.totalFrames]]);
    const painter = createPainter(plan);
    const a = Buffer.from(painter.frame(plan.totalFrames - 2));
    expect(painter.frame(plan.totalFrames - 1).equals(a)).toBe(false);
  });
});

describe('transitions', () => {
  it('a crossfade between two light scenes never drops below the darker of the two pictures (no dip to black)', () => {
    const plan = fixturePlan(
      [
        { layout: 'text', content: EXAMPLE_SCENES.text, seconds: 2 },
        { layout: 'bullets', content: EXAMPLE_SCENES.bullets, seconds: 2 },
      ],
      { quality: 'low', theme: 'light' },
    );
    const painter = createPainter(plan);
    const s0 = plan.scenes[0]!;
    const firstTransition = s0.frames - s0.transition.frames;
    const outgoing = Buffer.from(painter.frame(firstTransition - 1));
    const incoming = Buffer.from(painter.frame(plan.scenes[1]!.startFrame));
    const bg = backgroundFrame(plan);
    const pixels = plan.width * plan.height;
    let darkerBackground = 255;
    for (let i = 0; i < pixels; i++) darkerBackground = Math.min(darkerBackground, luma(bg, i));
    for (let n = firstTransition; n < s0.frames; n++) {
      const f = painter.frame(n);
      let below = 0;
      let bgBelow = 0;
      for (let i = 0; i < pixels; i++) {
        const l = luma(f, i);
        if (l < Math.min(luma(outgoing, i), luma(incoming, i)) - 1) below++;
        // Where both pictures show background, the mix is background: never darker than the darker stop.
        if (luma(outgoing, i) >= darkerBackground && luma(incoming, i) >= darkerBackground && l < darkerBackground - 1) bgBelow++;
      }
      expect({ n, below, bgBelow }).toEqual({ n, below: 0, bgBelow: 0 });
      expect(differingPixels(f, outgoing)).toBeGreaterThan(0);
    }
  });

  it('push_left, slide_up and wipe move from the outgoing picture to the next scene\'s first frame', () => {
    for (const transition of ['push_left', 'slide_up', 'wipe'] as const) {
      const plan = fixturePlan(
        [
          { layout: 'title', content: EXAMPLE_SCENES.title, seconds: 2, transition },
          { layout: 'closing', content: EXAMPLE_SCENES.closing, seconds: 2 },
        ],
        { quality: 'low' },
      );
      const painter = createPainter(plan);
      const s0 = plan.scenes[0]!;
      const start = s0.frames - s0.transition.frames;
      const before = Buffer.from(painter.frame(start - 1));
      const after = Buffer.from(painter.frame(s0.frames));
      const early = absDiff(painter.frame(start), after);
      const late = absDiff(painter.frame(s0.frames - 1), after);
      expect({ transition, closer: late < early }).toEqual({ transition, closer: true });
      expect(differingPixels(painter.frame(start), before)).toBeGreaterThan(0);
    }
  });
});

/**
 * Frame n of a scene (outside transitions) drawn the plain way: background,
 * settled elements, then moving ones, on one whole canvas read back whole.
 * The painter's cached layer and redrawn band must give exactly these pixels.
 */
function plainFrame(painter: Painter, plan: RenderPlan, n: number): Buffer {
  const i = plan.scenes.findIndex((s) => n >= s.startFrame && n < s.startFrame + s.frames);
  const k = n - plan.scenes[i]!.startFrame;
  const l = sceneLayoutOf(painter, i);
  const palette = paletteFor(plan.theme);
  const canvas = createCanvas(plan.width, plan.height);
  const ctx = canvas.getContext('2d');
  ctx.lang = 'en';
  drawBackground(ctx, palette, plan.width, plan.height);
  ctx.save();
  clipTo(ctx, l.safe);
  for (const e of l.elements.filter((e) => isComplete(e, k))) drawElement(ctx, e, k, palette, 0);
  const slide = Math.min(plan.width, plan.height) * 0.05;
  for (const e of l.elements.filter((e) => isVisible(e, k) && !isComplete(e, k))) drawElement(ctx, e, k, palette, slide);
  ctx.restore();
  return canvas.data();
}

describe('cached layers and redrawn bands', () => {
  for (const [quality, aspect] of [['low', '16:9'], ['low', '9:16'], ['low', '1:1'], ['medium', '16:9']] as const) {
    it(`${quality} ${aspect}: every moving frame of every layout equals the frame drawn whole`, () => {
      const plan = fixturePlan(
        LAYOUTS.map((layout) => ({ layout, content: EXAMPLE_SCENES[layout], seconds: 3, transition: 'cut' as const })),
        { quality, aspect },
      );
      const painter = createPainter(plan);
      const buffer = Buffer.alloc(plan.width * plan.height * 4);
      const wrong: string[] = [];
      let checked = 0;
      for (const [a, b] of motionRanges(plan)) {
        for (let n = a; n < b; n++) {
          const scene = plan.scenes.find((s) => n >= s.startFrame && n < s.startFrame + s.frames)!;
          // Medium: every third frame keeps the test short; the band is the same for neighbouring frames.
          if (quality === 'medium' && n % 3 !== 0) continue;
          const d = differingPixels(painter.frame(n, buffer), plainFrame(painter, plan, n));
          checked++;
          if (d > 0) wrong.push(`${scene.layout} frame ${n - scene.startFrame}: ${d} pixels`);
        }
      }
      expect(wrong).toEqual([]);
      expect(checked).toBeGreaterThan(plan.scenes.length * 10);
    });
  }
});

describe('the settled layer, kept up to date a rectangle at a time', () => {
  it('the reference job in bgr24, painted in order as a unit paints it: every moving frame hashes as the frame drawn whole', () => {
    const job = JSON.parse(readFileSync(path.resolve(__dirname, '../../../tools/bench/fixtures/reference-job.json'), 'utf8')) as { configuration: PlanInput & RenderPlanConfiguration };
    const plan = planVideo(job.configuration);
    const painter = createPainter(plan, { pixelFormat: 'bgr24' });
    const out = Buffer.alloc(plan.width * plan.height * 3);
    const plainBgr = Buffer.alloc(out.length);
    const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const wrong: string[] = [];
    let checked = 0;
    for (const [a, b] of motionRanges(plan)) {
      for (let n = a; n < b; n++) {
        const frame = painter.frame(n, out);
        const scene = plan.scenes.find((s) => n >= s.startFrame && n < s.startFrame + s.frames)!;
        const k = n - scene.startFrame;
        // Transitions mix two pictures (the transition tests check those); every other frame keeps the test short.
        if (k >= scene.frames - scene.transition.frames || n % 2 !== 0) continue;
        fromRgba(plainFrame(painter, plan, n), 'bgr24', plainBgr, 0);
        checked++;
        if (hash(frame) !== hash(plainBgr)) wrong.push(`${scene.layout} frame ${k}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(plan.scenes.length * 20);
  });
});

describe('bgr24 frames', () => {
  it('are the rgba frames\' pixels in blue, green, red order: entrances, settled frames, every transition, the progress bar', () => {
    const plan = fixturePlan(
      [
        { layout: 'bullets', content: EXAMPLE_SCENES.bullets, seconds: 1.5, transition: 'crossfade' },
        { layout: 'stat', content: EXAMPLE_SCENES.stat, seconds: 1.5, transition: 'push_left' },
        { layout: 'title', content: EXAMPLE_SCENES.title, seconds: 1.5, transition: 'slide_up' },
        { layout: 'chart', content: EXAMPLE_SCENES.chart, seconds: 1.5, transition: 'wipe' },
        { layout: 'closing', content: EXAMPLE_SCENES.closing, seconds: 1 },
      ],
      { quality: 'low', progressBar: true },
    );
    const rgba = createPainter(plan);
    const bgr = createPainter(plan, { pixelFormat: 'bgr24' });
    expect(bgr.pixelFormat).toBe('bgr24');
    const out = Buffer.alloc(plan.width * plan.height * 3);
    const wrong: number[] = [];
    for (let n = 0; n < plan.totalFrames; n += 2) {
      const a = rgba.frame(n);
      const b = bgr.frame(n, out);
      for (let p = 0; p < plan.width * plan.height; p++) {
        if (b[p * 3] !== a[p * 4 + 2] || b[p * 3 + 1] !== a[p * 4 + 1] || b[p * 3 + 2] !== a[p * 4]) {
          wrong.push(n);
          break;
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('the safe area', () => {
  // Every layout at low, medium and high, each aspect: mid-entrance and settled frames.
  for (const quality of ['low', 'medium', 'high'] as const) {
    for (const aspect of ASPECTS) {
      it(`${quality} ${aspect}: no pixel outside the 5% safe area differs from the background`, () => {
        const plan = fixturePlan(
          LAYOUTS.map((layout) => ({ layout, content: EXAMPLE_SCENES[layout], seconds: 3, transition: 'cut' as const })),
          { quality, aspect },
        );
        const painter = createPainter(plan);
        const bg = backgroundFrame(plan);
        const failures: string[] = [];
        plan.scenes.forEach((scene, i) => {
          const windows = sceneLayoutOf(painter, i).elements.map((e) => e.window);
          // Mid-entrance of the first, a middle and the last element, and the settled picture.
          const picks = [windows[0]!, windows[Math.floor(windows.length / 2)]!, windows[windows.length - 1]!].map((w) => w.from + Math.floor(w.frames / 2));
          picks.push(scene.frames - 1);
          for (const k of picks) {
            const f = painter.frame(scene.startFrame + k);
            const d = outsideSafeDiffs(f, bg, plan.width, plan.height);
            if (d > 0) failures.push(`${scene.layout} frame ${k}: ${d} pixels`);
            if (k === scene.frames - 1 && differingPixels(f, bg) < 500) failures.push(`${scene.layout}: the settled frame shows almost nothing`);
          }
        });
        expect(failures).toEqual([]);
      });
    }
  }
});

describe('painter', () => {
  it('reports characters no bundled font has, once per scene, and draws a replacement', () => {
    const plan = fixturePlan(
      [
        { layout: 'text', content: { title: 'Emoji 😀', text: 'Thai ก and 😀 again' }, seconds: 1 },
        { layout: 'text', content: { text: 'Ελληνικά, Русский, عربي, עברית, 中文' }, seconds: 1 },
      ],
      { quality: 'low' },
    );
    const painter = createPainter(plan);
    expect(painter.warnings).toEqual(['scene 1: replaced characters no bundled font can draw with U+FFFD: U+1F600, U+0E01']);
    expect(sceneLayoutOf(painter, 0).elements.find((e) => e.id === 'title')!.parts[0]).toMatchObject({ kind: 'text', lines: [{ text: 'Emoji \uFFFD' }] });
    expect(painter.frame(plan.totalFrames - 1).length).toBe(plan.width * plan.height * 4);
    expect(painter.pixelFormat).toBe('rgba');
  });

  it('draws the same pixels inside a worker_thread as on the main thread', async () => {
    const plan = fixturePlan([{ layout: 'chart', content: EXAMPLE_SCENES.chart, seconds: 2 }], { quality: 'low' });
    const n = 12;
    const mainFrame = Buffer.from(createPainter(plan).frame(n));
    const dist = path.resolve(__dirname, '../dist/index.js');
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const { createPainter } = require(workerData.dist);
       const f = createPainter(workerData.plan).frame(workerData.n);
       parentPort.postMessage(Buffer.from(f));`,
      { eval: true, workerData: { dist, plan, n } },
    );
    const fromWorker = await new Promise<Uint8Array>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(Buffer.from(fromWorker).equals(mainFrame)).toBe(true);
  });

  it('loads the Arabic, Hebrew and CJK fonts only once some text needs them', () => {
    // A fresh process: Skia's registered fonts are process-wide, and other tests in this one may have needed CJK.
    const script = `
      const { GlobalFonts } = require('@napi-rs/canvas');
      const { createPainter, fixturePlan } = require(${JSON.stringify(path.resolve(__dirname, '../dist/index.js'))});
      const loaded = () => GlobalFonts.families.map((f) => f.family).filter((f) => f.startsWith('VG ')).sort();
      const paint = (text) => createPainter(fixturePlan([{ layout: 'text', content: { title: 'Plain', text }, seconds: 1 }], { quality: 'low' })).frame(0);
      const steps = [];
      for (const text of ['Latin, Ελληνικά, Русский', 'עברית', 'عربي', '中文']) {
        paint(text);
        steps.push(loaded());
      }
      process.stdout.write(JSON.stringify(steps));`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '..'), encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([['VG Sans'], ['VG Hebrew', 'VG Sans'], ['VG Arabic', 'VG Hebrew', 'VG Sans'], ['VG Arabic', 'VG Hebrew', 'VG SC', 'VG Sans']]);
  });

  it('is a pure function of (plan, n): any order gives the same frames', () => {
    const plan = fixturePlan(
      [
        { layout: 'steps', content: EXAMPLE_SCENES.steps, seconds: 2 },
        { layout: 'comparison', content: EXAMPLE_SCENES.comparison, seconds: 2 },
      ],
      { quality: 'low' },
    );
    const picks = [3, 25, 29, 31, 40, 10, 3];
    const a = createPainter(plan);
    const forward = picks.map((n) => Buffer.from(a.frame(n)));
    const b = createPainter(plan);
    const backward = [...picks].reverse().map((n) => Buffer.from(b.frame(n))).reverse();
    forward.forEach((f, i) => expect(f.equals(backward[i]!)).toBe(true));
    expect(() => a.frame(plan.totalFrames)).toThrow(RangeError);
  });
});

describe('count-up and easing', () => {
  it('counts to exactly the value, formatted with prefix, suffix and thousands separators', () => {
    expect(countUpValue(1234567.5, 1, 1)).toBe(1234567.5);
    expect(countUpValue(89, 0, 0.5)).toBe(45);
    expect(countUpValue(-250, 0, 0.5)).toBe(-125);
    expect(formatStat(1234567.5, 1, '$', 'M')).toBe('$1,234,567.5M');
    expect(formatStat(countUpValue(1e12, 0, 1), 0)).toBe('1,000,000,000,000');
  });

  it('easings start at 0 and end at 1', () => {
    for (const [name, f] of Object.entries(EASINGS)) {
      expect([name, f(0)]).toEqual([name, 0]);
      expect([name, f(1)]).toEqual([name, 1]);
    }
  });
});
