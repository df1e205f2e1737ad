import {
  ICON_KEYWORDS,
  LAYOUTS,
  LAYOUT_FIELDS,
  SCENE_LIMITS,
  VidgenError,
  iconNames,
  iconNode,
  isIconName,
  jobConfigurationSchema,
  normaliseScene,
  validate,
  validateGenerateRequest,
  type JobConfiguration,
  type Layout,
  type SceneSpec,
} from '@vidgen/core';

/** One valid scene per layout, every field it takes filled in. */
const EXAMPLES: Record<Layout, SceneSpec> = {
  title: { layout: 'title', title: 'How tides work', text: 'A two-minute tour' },
  text: { layout: 'text', title: 'Why', text: 'The moon pulls the oceans toward it.' },
  bullets: { layout: 'bullets', title: 'You will need', items: ['Flour', 'Sugar', 'Eggs'] },
  stat: { layout: 'stat', title: 'Adoption', value: 73, prefix: '', suffix: '%', label: 'of adults own a smartphone' },
  chart: { layout: 'chart', title: 'Energy mix', chart: { type: 'bar', labels: ['Solar', 'Wind'], values: [12, 9.5], unit: '%' } },
  steps: { layout: 'steps', items: ['Boil water', 'Add pasta', 'Drain'] },
  quote: { layout: 'quote', quote: 'Imagination is more important than knowledge.', attribution: 'Albert Einstein' },
  icon_text: { layout: 'icon_text', icon: 'zap', text: 'Energy is the ability to do work.' },
  comparison: { layout: 'comparison', title: 'Plans', left: { heading: 'Basic', items: ['1 user'] }, right: { heading: 'Pro', items: ['10 users', 'Support'] } },
  closing: { layout: 'closing', title: 'Thanks', text: 'See you next time.' },
};

const config = (scene: unknown, extra: Record<string, unknown> = {}) => ({ topic: 'T', scenes: [scene], ...extra });

/** The problems validation reports, or null when it accepts. */
function problems(configuration: unknown): Array<{ field: string; message: string; type: string; see?: string }> | null {
  try {
    validate(jobConfigurationSchema, configuration);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(VidgenError);
    expect((err as VidgenError).code).toBe('VALIDATION_FAILED');
    return (err as VidgenError).details as Array<{ field: string; message: string; type: string }>;
  }
}

const fields = (configuration: unknown) => problems(configuration)?.map((p) => p.field) ?? null;

describe('scene schema: what it accepts', () => {
  it('accepts one example of every layout, and stores it as sent (no defaults injected)', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...LAYOUTS].sort());
    for (const scene of Object.values(EXAMPLES)) {
      const out = validate<JobConfiguration>(jobConfigurationSchema, config(scene));
      expect(out.scenes).toEqual([scene]);
      expect(out).not.toHaveProperty('aspect');
      expect(out).not.toHaveProperty('progress_bar');
      expect(out).not.toHaveProperty('theme');
    }
  });

  it('accepts transitions, animation, duration and the job-level aspect, theme and progress bar', () => {
    const scene = { ...EXAMPLES.bullets, transition: 'wipe', animation: 'none', duration_seconds: 4.5 };
    for (const aspect of ['16:9', '9:16', '1:1']) {
      for (const theme of ['dark', 'light', 'ocean', 'sand']) {
        expect(problems(config(scene, { aspect, theme, progress_bar: true }))).toBeNull();
      }
    }
  });

  it('keeps the old shape valid and maps it to text, or to title when only a title is given', () => {
    expect(problems(config({ text: 'x' }))).toBeNull();
    expect(problems(config({ title: 'Only a title' }))).toBeNull();
    expect(problems(config({ title: 'One', text: 'two', duration_seconds: 7 }))).toBeNull();
    expect(normaliseScene({ title: 'One', text: ' two ' })).toEqual({ layout: 'text', content: { title: 'One', text: 'two' } });
    expect(normaliseScene({ title: '', text: 'two' })).toEqual({ layout: 'text', content: { text: 'two' } });
    expect(normaliseScene({ title: 'Only' })).toEqual({ layout: 'title', content: { title: 'Only' } });
  });

  it('takes a finite numeric string as a number (as for every number field) and the longest allowed texts', () => {
    const out = validate<JobConfiguration>(jobConfigurationSchema, config({ layout: 'stat', value: '12.5' }));
    expect(out.scenes?.[0]?.value).toBe(12.5);
    const longest = {
      layout: 'bullets',
      title: 't'.repeat(SCENE_LIMITS.title),
      items: Array.from({ length: SCENE_LIMITS.itemsMax }, () => 'i'.repeat(SCENE_LIMITS.item)),
    };
    expect(problems(config(longest))).toBeNull();
    expect(problems(config({ text: 'x'.repeat(SCENE_LIMITS.text) }))).toBeNull();
  });

  it('normalises to the layout’s own fields only', () => {
    expect(normaliseScene({ ...EXAMPLES.stat, transition: 'cut' })).toEqual({ layout: 'stat', content: { title: 'Adoption', value: 73, suffix: '%', label: 'of adults own a smartphone' } });
    for (const layout of LAYOUTS) {
      const { content } = normaliseScene(EXAMPLES[layout]);
      const allowed = [...LAYOUT_FIELDS[layout].required, ...LAYOUT_FIELDS[layout].optional] as string[];
      for (const key of Object.keys(content)) expect(allowed).toContain(key);
    }
  });
});

describe('scene schema: each bad-input rule names the field', () => {
  it('refuses an unknown layout', () => {
    const p = problems(config({ layout: 'carousel', text: 'x' }));
    expect(p?.map((x) => x.field)).toEqual(['scenes.0.layout']);
    expect(p?.[0]?.message).toContain('bullets');
  });

  it('refuses an unknown icon and points at the list', () => {
    const [p] = problems(config({ layout: 'icon_text', icon: 'unicorn-rainbow', text: 'x' }))!;
    expect(p).toMatchObject({ field: 'scenes.0.icon', type: 'icon.unknown', see: '/api/v1/capabilities' });
    expect(p?.message).toContain('https://lucide.dev/icons/');
    expect(p?.message).toContain('/api/v1/capabilities');
  });

  it('refuses chart arrays of different lengths, too few or too many points, and a negative pie', () => {
    const chart = (c: object) => config({ layout: 'chart', chart: { type: 'bar', labels: ['a', 'b', 'c'], values: [1, 2, 3], ...c } });
    const [mismatch] = problems(chart({ values: [1, 2] }))!;
    expect(mismatch).toMatchObject({ field: 'scenes.0.chart.values', type: 'chart.lengths' });
    expect(mismatch?.message).toContain('2 values for 3 labels');
    expect(fields(chart({ labels: ['a'], values: [1] }))).toEqual(['scenes.0.chart.labels', 'scenes.0.chart.values']);
    const thirteen = Array.from({ length: 13 }, (_, i) => i);
    expect(fields(chart({ labels: thirteen.map(String), values: thirteen }))).toEqual(['scenes.0.chart.labels', 'scenes.0.chart.values']);
    expect(fields(chart({ type: 'pie', values: [1, -2, 3] }))).toEqual(['scenes.0.chart.values']);
    expect(fields(chart({ type: 'donut' }))).toEqual(['scenes.0.chart.type']);
    expect(fields(chart({ labels: ['a', 'b', 'x'.repeat(SCENE_LIMITS.chartLabel + 1)] }))).toEqual(['scenes.0.chart.labels.2']);
  });

  it('refuses non-finite numbers: Infinity (JSON 1e400), NaN, and strings that are not finite numbers', () => {
    const infinity = JSON.parse('{"layout":"stat","value":1e400}');
    expect(infinity.value).toBe(Infinity);
    expect(fields(config(infinity))).toEqual(['scenes.0.value']);
    for (const value of [NaN, -Infinity, 'Infinity', 'NaN', '12abc', '', '1e400', 2e12]) {
      expect(fields(config({ layout: 'stat', value }))).toEqual(['scenes.0.value']);
    }
    expect(fields(config({ layout: 'chart', chart: { type: 'line', labels: ['a', 'b'], values: [1, 'Infinity'] } }))).toEqual(['scenes.0.chart.values.1']);
  });

  it('refuses too many items, empty lists and over-long items', () => {
    const nine = Array.from({ length: 9 }, (_, i) => `item ${i}`);
    expect(fields(config({ layout: 'bullets', items: nine }))).toEqual(['scenes.0.items']);
    expect(fields(config({ layout: 'steps', items: [] }))).toEqual(['scenes.0.items']);
    expect(fields(config({ layout: 'bullets', items: ['ok', 'x'.repeat(SCENE_LIMITS.item + 1)] }))).toEqual(['scenes.0.items.1']);
    const side = { heading: 'A', items: Array.from({ length: SCENE_LIMITS.comparisonItemsMax + 1 }, () => 'x') };
    expect(fields(config({ ...EXAMPLES.comparison, left: side }))).toEqual(['scenes.0.left.items']);
  });

  it('refuses a field the layout does not use, saying which layouts do', () => {
    const [p] = problems(config({ layout: 'bullets', items: ['a'], value: 3 }))!;
    expect(p).toMatchObject({ field: 'scenes.0.value', type: 'scene.fieldUnused' });
    expect(p?.message).toContain("not used by layout 'bullets'");
    expect(p?.message).toContain('stat');
    expect(fields(config({ layout: 'stat', value: 1, text: 'x' }))).toEqual(['scenes.0.text']);
    // The old shape (no layout) takes title and text only.
    const [old] = problems(config({ text: 'x', items: ['a'] }))!;
    expect(old).toMatchObject({ field: 'scenes.0.items' });
    expect(old?.message).toContain('needs a layout');
  });

  it('refuses a missing required field of a layout and over-long texts', () => {
    expect(fields(config({ layout: 'stat' }))).toEqual(['scenes.0.value']);
    expect(fields(config({ layout: 'title', title: '' }))).toEqual(['scenes.0.title']);
    expect(fields(config({ layout: 'icon_text', text: 'x' }))).toEqual(['scenes.0.icon']);
    expect(fields(config({}))).toEqual(['scenes.0.text']);
    expect(fields(config({ text: 'x'.repeat(SCENE_LIMITS.text + 1) }))).toEqual(['scenes.0.text']);
    expect(fields(config({ layout: 'quote', quote: 'q'.repeat(SCENE_LIMITS.quote + 1) }))).toEqual(['scenes.0.quote']);
    expect(fields(config({ layout: 'stat', value: 1, suffix: 's'.repeat(SCENE_LIMITS.suffix + 1) }))).toEqual(['scenes.0.suffix']);
    expect(fields(config({ layout: 'bullets', items: ['a\u0007b'] }))).toEqual(['scenes.0.items.0']);
  });

  it('refuses a bad aspect, theme, transition, animation, progress bar and unknown fields', () => {
    expect(fields(config({ text: 'x' }, { aspect: '4:3' }))).toEqual(['aspect']);
    expect(fields(config({ text: 'x' }, { theme: 'neon' }))).toEqual(['theme']);
    expect(fields(config({ text: 'x' }, { progress_bar: 'sometimes' }))).toEqual(['progress_bar']);
    expect(fields(config({ text: 'x', transition: 'spin' }))).toEqual(['scenes.0.transition']);
    expect(fields(config({ text: 'x', animation: 'bounce' }))).toEqual(['scenes.0.animation']);
    expect(fields(config({ ...EXAMPLES.chart, chart: { ...EXAMPLES.chart.chart, colour: 'red' } }))).toEqual(['scenes.0.chart.colour']);
    expect(fields(config({ text: 'x', duration_seconds: SCENE_LIMITS.sceneSecondsMax + 1 }))).toEqual(['scenes.0.duration_seconds']);
  });

  it('reports the field under configuration at submit', () => {
    try {
      validateGenerateRequest({ configuration: config({ layout: 'bullets', items: ['a'], value: 1 }) }, { allowUltra: false });
      throw new Error('accepted');
    } catch (err) {
      expect((err as VidgenError).details).toEqual([expect.objectContaining({ field: 'configuration.scenes.0.value' })]);
    }
  });
});

describe('the bundled icon set', () => {
  it('lists lucide’s names, sorted, with drawable nodes; the planner’s keyword icons all exist', () => {
    const names = iconNames();
    expect(names.length).toBeGreaterThan(1000);
    expect([...names].sort()).toEqual(names);
    expect(isIconName('clock')).toBe(true);
    expect(isIconName('toString')).toBe(false);
    expect(iconNode('clock')?.[0]?.[0]).toBe('circle');
    expect(iconNode('nope')).toBeNull();
    for (const { icon } of ICON_KEYWORDS) expect(isIconName(icon)).toBe(true);
  });
});

describe('scene narration (issue 14)', () => {
  it.each(LAYOUTS)('layout %s takes narration text, trimmed, and keeps it apart from what is shown', (layout) => {
    const out = validate<JobConfiguration>(jobConfigurationSchema, config({ ...EXAMPLES[layout], narration: '  Said, not shown.  ' }));
    expect(out.scenes![0]).toEqual({ ...EXAMPLES[layout], narration: 'Said, not shown.' });
    // What the scene shows is its layout's content alone.
    expect(JSON.stringify(normaliseScene(out.scenes![0]!).content)).not.toContain('Said, not shown');
  });

  it('takes narration in the old shape too, and refuses empty, silent or over-long narration naming the field', () => {
    expect(problems(config({ text: 'shown', narration: 'said' }))).toBeNull();
    expect(fields(config({ text: 'shown', narration: '  ' }))).toEqual(['scenes.0.narration']);
    expect(fields(config({ text: 'shown', narration: '?!' }))).toEqual(['scenes.0.narration']);
    expect(fields(config({ text: 'shown', narration: 'x'.repeat(601) }))).toEqual(['scenes.0.narration']);
    expect(fields(config({ text: 'shown', narration: 42 }))).toEqual(['scenes.0.narration']);
  });

  it('lists the allowed values of the voice-related enums in the refusal', () => {
    const p = problems({ topic: 'T', music: { preset: 'loud' }, captions: 'open', voice: 'festival' });
    expect(p).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'music.preset', type: 'any.only', allowed: ['none', 'calm', 'bright'] }),
        expect.objectContaining({ field: 'captions', type: 'any.only', allowed: ['burned', 'sidecar'] }),
      ]),
    );
    expect(p).toHaveLength(3);
  });
});
