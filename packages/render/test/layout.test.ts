import { ASPECTS, LAYOUTS, QUALITIES, SCENE_LIMITS, type Layout, type RenderPlanScene, type SceneContent } from '@vidgen/core';
import { canvasMeasurer } from '../src/painter';
import { layoutScene, type SceneLayout } from '../src/scene-layout';
import { fitText, isRtl, wrapText } from '../src/text-layout';
import { inside, minFontSize, safeArea } from '../src/geometry';
import { EXAMPLE_SCENES, fixturePlan, frameSizeOf } from '../src/plan-fixtures';

const measure = canvasMeasurer();

describe('wrapping (real Skia metrics of the bundled fonts)', () => {
  const width = (t: string, size = 20) => measure.width(t, size, 400);

  it('breaks at spaces and keeps every line within the width', () => {
    const text = 'the quick brown fox jumps over the lazy dog again and again';
    const max = width('the quick brown fox');
    const lines = wrapText(text, max, 20, 400, measure);
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(max);
    expect(lines.join(' ')).toBe(text);
    expect(lines[0]).toBe('the quick brown fox');
  });

  it('moves a hyphenated word to the next line whole when it fits there (spaces before hyphens)', () => {
    const max = width('state-of-the-art');
    const lines = wrapText('a state-of-the-art design', max + 1, 20, 400, measure);
    expect(lines).toEqual(['a', 'state-of-the-art', 'design']);
  });

  it('breaks a word wider than the line after its hyphens before breaking inside it', () => {
    const max = width('well-known-');
    const lines = wrapText('well-known-stuff-here', max + 1, 20, 400, measure);
    expect(lines).toEqual(['well-known-', 'stuff-here']);
  });

  it('breaks inside a word only when nothing else fits, and loses no character', () => {
    const word = 'Pneumonoultramicroscopicsilicovolcanoconiosis';
    const max = width('Pneumono');
    const lines = wrapText(word, max, 20, 400, measure);
    expect(lines.length).toBeGreaterThan(4);
    expect(lines.join('')).toBe(word);
    for (const l of lines) expect(width(l)).toBeLessThanOrEqual(max);
  });

  it('breaks between CJK characters without inserting spaces', () => {
    const text = '太阳能电池把光变成电流然后逆变器把它转换成交流电';
    const lines = wrapText(text, width('太阳能电池把'), 20, 400, measure);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.join('')).toBe(text);
  });

  it('decides direction by the first strong character', () => {
    expect(isRtl('שלום world')).toBe(true);
    expect(isRtl('123 مرحبا')).toBe(true);
    expect(isRtl('hello שלום')).toBe(false);
  });

  it('shrinks to fit, and never below the minimum', () => {
    const long = 'word '.repeat(200).trim();
    const box = { width: 400, height: 200 };
    const fitted = fitText('short title', box, { min: 12, max: 60 }, { weight: 700, lineHeight: 1.2 }, measure);
    expect(fitted.size).toBe(60);
    const shrunk = fitText('word '.repeat(30).trim(), box, { min: 12, max: 60 }, { weight: 400, lineHeight: 1.3 }, measure);
    expect(shrunk.fits).toBe(true);
    expect(shrunk.size).toBeLessThan(60);
    expect(shrunk.size).toBeGreaterThan(12);
    expect(shrunk.value.height).toBeLessThanOrEqual(box.height);
    // One pixel larger would not fit.
    const bigger = fitText('word '.repeat(30).trim(), box, { min: shrunk.size + 1, max: shrunk.size + 1 }, { weight: 400, lineHeight: 1.3 }, measure);
    expect(bigger.fits).toBe(false);
    const overflow = fitText(long, { width: 100, height: 20 }, { min: 12, max: 60 }, { weight: 400, lineHeight: 1.3 }, measure);
    expect(overflow).toMatchObject({ fits: false, size: 12 });
  });
});

/** Worst-case strings of exactly n code points: wide Latin, one endless word, full-width CJK. */
const WORST: Record<string, (n: number) => string> = {
  'W-heavy': (n) => 'WWWWWWW '.repeat(Math.ceil(n / 8)).slice(0, n).trimEnd().padEnd(n, 'W'),
  'long word': (n) => 'Mmwwmmwwmmwwmmwwmmwwmmwwmmwwmmww'.repeat(Math.ceil(n / 32)).slice(0, n),
  CJK: (n) => '廣東話國語體驗鑑賞'.repeat(Math.ceil(n / 9)).slice(0, n),
};

function worstContent(layout: Layout, s: (n: number) => string): SceneContent {
  const L = SCENE_LIMITS;
  const items = (count: number, n: number) => Array.from({ length: count }, () => s(n));
  const value = -(L.absNumberMax - 0.01);
  switch (layout) {
    case 'title':
    case 'closing':
      return { title: s(L.title), text: s(L.text) };
    case 'text':
      return { title: s(L.title), text: s(L.text) };
    case 'bullets':
    case 'steps':
      return { title: s(L.title), items: items(L.itemsMax, L.item) };
    case 'stat':
      return { title: s(L.title), value, prefix: s(L.prefix), suffix: s(L.suffix), label: s(L.label) };
    case 'chart':
      return { title: s(L.title), chart: { type: 'bar', labels: items(L.chartPointsMax, L.chartLabel), values: Array.from({ length: L.chartPointsMax }, (_, i) => (i % 2 ? -1 : 1) * (L.absNumberMax - 0.01)), unit: s(L.chartUnit) } };
    case 'quote':
      return { title: s(L.title), quote: s(L.quote), attribution: s(L.attribution) };
    case 'icon_text':
      return { title: s(L.title), icon: 'battery-charging', text: s(L.text) };
    case 'comparison':
      return { title: s(L.title), left: { heading: s(L.comparisonHeading), items: items(L.comparisonItemsMax, L.comparisonItem) }, right: { heading: s(L.comparisonHeading), items: items(L.comparisonItemsMax, L.comparisonItem) } };
  }
}

function sceneOf(layout: Layout, content: SceneContent): RenderPlanScene {
  return fixturePlan([{ layout, content }]).scenes[0]!;
}

function problems(l: SceneLayout): string[] {
  const out: string[] = [...l.overflow.map((o) => `overflow: ${o}`)];
  for (const e of l.elements) if (!inside(e.bounds, l.safe)) out.push(`${e.id} outside the safe area`);
  for (const f of l.fontSizes) if (f.size < l.minFont) out.push(`${f.id} at ${f.size}px < ${l.minFont}px`);
  return out;
}

describe('the fit proof: the longest allowed text of every layout fits at or above the minimum size, inside the safe area', () => {
  const chartTypes = ['bar', 'column', 'line', 'pie'] as const;
  for (const quality of QUALITIES) {
    for (const aspect of ASPECTS) {
      it(`${quality} ${aspect}`, () => {
        const { width, height } = frameSizeOf(quality, aspect);
        const frame = { width, height, fps: 30 };
        const failures: string[] = [];
        for (const [name, s] of Object.entries(WORST)) {
          for (const layout of LAYOUTS) {
            const variants = layout === 'chart' ? chartTypes.map((type) => {
              const c = worstContent('chart', s);
              return { ...c, chart: { ...c.chart!, type, values: type === 'pie' ? c.chart!.values.map(Math.abs) : c.chart!.values } };
            }) : [worstContent(layout, s)];
            for (const content of variants) {
              const l = layoutScene(sceneOf(layout, content), frame, measure);
              for (const p of problems(l)) failures.push(`${layout}${content.chart ? `/${content.chart.type}` : ''} ${name}: ${p}`);
            }
          }
        }
        expect(failures).toEqual([]);
      });
    }
  }

  it('lays the docs examples out with no overflow at every quality and aspect, above the minimum size', () => {
    const failures: string[] = [];
    for (const quality of QUALITIES) {
      for (const aspect of ASPECTS) {
        const { width, height } = frameSizeOf(quality, aspect);
        for (const layout of LAYOUTS) {
          const l = layoutScene(sceneOf(layout, EXAMPLE_SCENES[layout]), { width, height, fps: 30 }, measure);
          for (const p of problems(l)) failures.push(`${quality} ${aspect} ${layout}: ${p}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('uses a 5% safe area and a minimum font size that grows with the frame', () => {
    expect(safeArea(1280, 720)).toEqual({ x: 64, y: 36, w: 1152, h: 648 });
    expect([minFontSize(854, 480), minFontSize(1280, 720), minFontSize(1920, 1080), minFontSize(720, 1280)]).toEqual([12, 18, 27, 18]);
  });
});
