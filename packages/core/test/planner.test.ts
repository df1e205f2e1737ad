import {
  SCENE_LIMITS,
  buildSeconds,
  jobConfigurationSchema,
  planScenes,
  readingSeconds,
  sceneText,
  validate,
  type Layout,
  type PlannedScene,
  type SceneContent,
} from '@vidgen/core';

/** A planned scene as a client would send it: it must pass the very schema client scenes pass. */
function asSpec(scene: PlannedScene) {
  return { layout: scene.layout, ...scene.content, duration_seconds: scene.durationSeconds, transition: scene.transition, animation: scene.animation };
}

function expectValid(scenes: PlannedScene[]): void {
  for (const scene of scenes) {
    // One scene per validation, so a failure names the scene that broke it.
    expect(() => validate(jobConfigurationSchema, { topic: 'T', scenes: [asSpec(scene)] })).not.toThrow();
  }
}

const layoutsOf = (context: string) => planScenes({ topic: 'Corpus', context }).map((s) => s.layout);
const contentOf = (context: string, index = 1): SceneContent => planScenes({ topic: 'Corpus', context })[index]!.content;

/**
 * Ten real-world paragraphs and the layouts a person would pick for them,
 * written by hand (title first and closing last are implied).
 */
const CORPUS: Array<{ name: string; text: string; layouts: Layout[] }> = [
  {
    name: 'recipe',
    text: 'Ingredients for the pancakes:\n- 200 g flour\n- 2 eggs\n- 300 ml milk\n- a pinch of salt',
    layouts: ['bullets'],
  },
  {
    name: 'history',
    text: 'The Berlin Wall was built in 1961 to stop East Germans from fleeing to the West. For 28 years it divided the city. It fell on 9 November 1989, after weeks of peaceful protests.',
    layouts: ['text'],
  },
  {
    name: 'statistics',
    text: 'Coal still generated 36% of the world’s electricity in 2023, gas 23%, hydro 14%, nuclear 9% and wind 8%. Around 770 million people still have no access to electricity.',
    layouts: ['chart', 'icon_text'],
  },
  {
    name: 'how-to',
    text: 'Changing a flat tyre takes about fifteen minutes. First, loosen the wheel nuts while the car is on the ground. Then jack the car up and remove the wheel. Next, fit the spare wheel and tighten the nuts by hand. Finally, lower the car and tighten the nuts fully.',
    layouts: ['icon_text', 'steps'],
  },
  {
    name: 'quote',
    text: '“The best way to predict the future is to invent it.” — Alan Kay. He said it at a meeting in 1971, when the personal computer was still an idea.',
    layouts: ['quote', 'icon_text'],
  },
  {
    name: 'product comparison',
    text: 'The Pro model costs $1,299 and the Air costs $999. Both have a 13-inch screen, 16 GB of memory and a full-day battery.',
    layouts: ['chart', 'bullets'],
  },
  {
    name: 'list',
    text: 'Common signs of dehydration include thirst, dark urine, headaches and tiredness. Drink water regularly, especially in hot weather.',
    layouts: ['bullets', 'text'],
  },
  {
    name: 'science',
    text: 'Photosynthesis turns light into chemical energy. Plants take in carbon dioxide and water, and release oxygen as a by-product. It happens in the chloroplasts, which hold the green pigment chlorophyll.',
    layouts: ['icon_text'],
  },
  {
    name: 'finance',
    text: '$4.2 billion was invested in climate start-ups in the first quarter. Revenue grew from $120 million in 2021 to $180 million in 2022 and $250 million in 2023. Investors expect the trend to continue.',
    layouts: ['stat', 'chart', 'icon_text'],
  },
  {
    name: 'plain narrative',
    // 39 words: one chunk (CHUNK_MAX_WORDS 40); "heart" is no health keyword.
    text: 'Maria opened the small bakery on the corner of her street when she was twenty-five. Every morning she baked bread before sunrise, and the smell drew neighbours in. Over the years the bakery became the heart of the neighbourhood.',
    layouts: ['text'],
  },
];

describe('rules planner: the corpus', () => {
  it.each(CORPUS)('$name → $layouts', ({ text, layouts }) => {
    const scenes = planScenes({ topic: 'Corpus', context: text });
    expect(scenes.map((s) => s.layout)).toEqual(['title', ...layouts, 'closing']);
    expectValid(scenes);
  });

  it('plans all ten paragraphs in one context the same, twice (deterministic)', () => {
    const context = CORPUS.map((c) => c.text).join('\n\n');
    const once = planScenes({ topic: 'Corpus', context });
    expect(once.map((s) => s.layout)).toEqual(['title', ...CORPUS.flatMap((c) => c.layouts), 'closing']);
    expect(planScenes({ topic: 'Corpus', context })).toEqual(once);
    expectValid(once);
  });

  it('fills in the content of each rule', () => {
    expect(contentOf(CORPUS[0]!.text)).toEqual({ title: 'Ingredients for the pancakes', items: ['200 g flour', '2 eggs', '300 ml milk', 'a pinch of salt'] });
    expect(contentOf(CORPUS[2]!.text)).toEqual({ chart: { type: 'bar', labels: ['Coal', 'Gas', 'Hydro', 'Nuclear', 'Wind'], values: [36, 23, 14, 9, 8], unit: '%' } });
    expect(contentOf(CORPUS[2]!.text, 2)).toMatchObject({ icon: 'zap' });
    expect(contentOf(CORPUS[3]!.text, 1)).toMatchObject({ icon: 'clock', text: 'Changing a flat tyre takes about fifteen minutes.' });
    expect(contentOf(CORPUS[3]!.text, 2)).toEqual({
      items: ['Loosen the wheel nuts while the car is on the ground', 'Jack the car up and remove the wheel', 'Fit the spare wheel and tighten the nuts by hand', 'Lower the car and tighten the nuts fully'],
    });
    expect(contentOf(CORPUS[4]!.text)).toEqual({ quote: 'The best way to predict the future is to invent it.', attribution: 'Alan Kay' });
    expect(contentOf(CORPUS[5]!.text)).toEqual({ chart: { type: 'bar', labels: ['Pro model', 'Air'], values: [1299, 999], unit: '$' } });
    expect(contentOf(CORPUS[5]!.text, 2)).toEqual({ title: 'Both have', items: ['A 13-inch screen', '16 GB of memory', 'A full-day battery'] });
    expect(contentOf(CORPUS[6]!.text)).toEqual({ title: 'Common signs of dehydration include', items: ['Thirst', 'Dark urine', 'Headaches', 'Tiredness'] });
    expect(contentOf(CORPUS[8]!.text)).toEqual({ value: 4.2, prefix: '$', suffix: ' billion', label: 'was invested in climate start-ups in the first quarter' });
    expect(contentOf(CORPUS[8]!.text, 2)).toEqual({ chart: { type: 'line', labels: ['2021', '2022', '2023'], values: [120, 180, 250], unit: '$ million' } });
  });
});

describe('rules planner: each rule and its edges', () => {
  it('a labelled share of about 100% is a pie; a stat label is shortened at a word boundary', () => {
    expect(contentOf('Tea 50%, coffee 30% and water 20%.').chart?.type).toBe('pie');
    const long = `12% ${'of the people we asked in the survey said that they would '.repeat(3)}buy again.`;
    const stat = contentOf(long);
    expect(stat.value).toBe(12);
    expect([...stat.label!].length).toBeLessThanOrEqual(SCENE_LIMITS.label);
    expect(stat.label).toMatch(/ would…$|\w…$/);
  });

  it('a year at the start, a code like 5G or a lone "First" is no stat or sequence', () => {
    expect(layoutsOf('1969 was the year of the Moon landing.')).toEqual(['title', 'text', 'closing']);
    expect(layoutsOf('5G networks are spreading fast.')).toEqual(['title', 'text', 'closing']);
    expect(layoutsOf('First sentence here. Second one follows!')).toEqual(['title', 'text', 'closing']);
    expect(layoutsOf('However, the city grew, and its people prospered.')).toEqual(['title', 'icon_text', 'closing']);
  });

  it('numbered lines, inline numbered runs and "first … then" within one sentence are steps', () => {
    expect(contentOf('To make tea: 1) boil water, 2) steep the leaves, 3) pour.')).toEqual({ title: 'To make tea', items: ['Boil water', 'Steep the leaves', 'Pour'] });
    expect(contentOf('Step 1: Open the app. Step 2: Tap settings. Step 3: Choose a theme.')).toEqual({ items: ['Open the app', 'Tap settings', 'Choose a theme'] });
    expect(contentOf('First mix the flour, then add the eggs, and finally bake it.')).toEqual({ items: ['Mix the flour', 'Add the eggs', 'Bake it'] });
    expect(layoutsOf('1. Boil water\n2. Add pasta\n3. Drain')).toEqual(['title', 'steps', 'closing']);
    // A line between two list lines continues the item before; list lines keep their wording.
    expect(planScenes({ topic: 'T', context: 'Bring:\n- a tent that sleeps\ntwo people\n- a stove\nAfter the list, prose.' }).slice(1, -1)).toMatchObject([
      { layout: 'bullets', content: { title: 'Bring', items: ['a tent that sleeps two people', 'a stove'] } },
      { layout: 'text', content: { text: 'After the list, prose.' } },
    ]);
  });

  it('more than eight list lines become several scenes; an over-long item keeps the list as text', () => {
    const lines = Array.from({ length: 11 }, (_, i) => `- item ${i + 1}`).join('\n');
    const scenes = planScenes({ topic: 'T', context: `Things:\n${lines}` });
    expect(scenes.map((s) => s.layout)).toEqual(['title', 'bullets', 'bullets', 'closing']);
    expect(scenes.slice(1, 3).map((s) => s.content.items?.length)).toEqual([6, 5]);
    expect(scenes[2]?.content.title).toBe('Things');
    const long = `- ${'word '.repeat(30)}\n- short`;
    const fallback = planScenes({ topic: 'T', context: long });
    expect(fallback.map((s) => s.layout)).toEqual(['title', 'text', 'closing']);
    expectValid([...scenes, ...fallback]);
  });

  it('quotes: attribution forms, scare quotes are not quotes', () => {
    expect(contentOf('“Imagination is more important than knowledge,” said Albert Einstein.')).toEqual({ quote: 'Imagination is more important than knowledge', attribution: 'Albert Einstein' });
    expect(contentOf('Einstein said, “Imagination is more important than knowledge.”')).toEqual({ quote: 'Imagination is more important than knowledge.', attribution: 'Einstein' });
    expect(layoutsOf('The so-called "cloud" is just somebody else’s computer.')).toEqual(['title', 'text', 'closing']);
  });

  it('a topic longer than a title is shortened there and shown whole below; unspaced scripts stay text', () => {
    const topic = `${'A very long topic '.repeat(8)}end`;
    const [title] = planScenes({ topic, context: '' });
    expect([...title!.content.title!].length).toBeLessThanOrEqual(SCENE_LIMITS.title);
    expect(title!.content.text).toBe(topic.trim());
    const cjk = '光合作用是植物利用光能把二氧化碳和水转化为有机物的过程。'.repeat(12);
    const scenes = planScenes({ topic, context: cjk });
    expect(scenes.slice(1, -1).every((s) => s.layout === 'text')).toBe(true);
    expectValid(scenes);
  });

  it('lasts as long as reading takes, but never less than the builds need', () => {
    const scenes = planScenes({ topic: 'T', context: CORPUS.map((c) => c.text).join('\n\n') });
    for (const s of scenes) {
      expect(s.durationSeconds).toBeGreaterThanOrEqual(readingSeconds(sceneText(s.content)));
      expect(s.durationSeconds).toBeGreaterThanOrEqual(buildSeconds(s.layout, s.content, s.animation, s.transition));
      expect(s.durationSeconds * 2).toBe(Math.round(s.durationSeconds * 2));
    }
    // Eight short bullets: reading says 3 s; entrances need 0.6 + 7 × 0.4 + 0.6 = 4 s, then 1.5 s to read and 0.5 s of transition.
    const eight = planScenes({ topic: 'T', scenes: [{ layout: 'bullets', items: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], title: 'x' }] });
    expect(eight[0]?.durationSeconds).toBe(6);
    const still = planScenes({ topic: 'T', scenes: [{ layout: 'bullets', items: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], title: 'x', animation: 'none', transition: 'cut' }] });
    // Without builds, reading time alone: 9 words at 150 wpm + 1 s = 4.6 s → 4.5.
    expect(still[0]?.durationSeconds).toBe(4.5);
  });

  it('explicit scenes: normalised, defaults filled in, duration as given', () => {
    const [a, b] = planScenes({
      topic: 'ignored',
      context: 'ignored',
      scenes: [{ layout: 'stat', value: 5, suffix: ' ', label: ' apples ', duration_seconds: 2 }, { title: 'Only' }],
    });
    expect(a).toEqual({ kind: 'explicit', layout: 'stat', content: { value: 5, label: 'apples' }, durationSeconds: 2, transition: 'crossfade', animation: 'auto' });
    expect(b).toMatchObject({ kind: 'explicit', layout: 'title', content: { title: 'Only' }, durationSeconds: 3 });
  });
});

describe('rules planner: whatever the text, only valid scenes', () => {
  it('plans 100 generated contexts of mixed pieces into scenes the schema accepts', () => {
    // A fixed-seed generator (mulberry32), so a failure is reproducible.
    let seed = 12;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pieces = [
      'First,', 'then', 'Finally,', 'next', '1.', '2)', 'Step 3:', '- ', '• ', '\n', '\n\n', ':', ',', ' and ', ' or ', '.', '?', '“', '”', '"', '—', ' said ',
      '12%', '$4.5 million', '1,200', '2021', '1e5', '-3', '0.5', '99 percent', '€7', '13-inch', 'Solar', 'wind', 'Maria', 'the', 'data', 'energy', 'time',
      '光合作用是植物', 'مرحبا بالعالم', 'שלום', 'Привет', '😀', 'x'.repeat(130), '%{pts}', '\\', "'", ';', '\t',
    ];
    for (let n = 0; n < 100; n++) {
      const length = 1 + Math.floor(random() * 80);
      const context = Array.from({ length }, () => pieces[Math.floor(random() * pieces.length)]).join(random() < 0.5 ? ' ' : '');
      const scenes = planScenes({ topic: 'Fuzz', context });
      expect(scenes[0]?.layout).toBe('title');
      expect(scenes.at(-1)?.layout).toBe('closing');
      expectValid(scenes);
    }
  });
});
