import {
  QUALITIES,
  SCENE_MODEL_VERSION,
  buildRenderPlan,
  frameSizeFor,
  planScenes,
  planVideo,
  plannedDurationSeconds,
  sceneTimeline,
  type PlannedScene,
  type SceneContent,
  type Layout,
} from '@vidgen/core';

const scene = (layout: Layout, content: SceneContent, durationSeconds: number, extra: Partial<PlannedScene> = {}): PlannedScene => ({
  kind: 'explicit',
  layout,
  content,
  durationSeconds,
  transition: 'crossfade',
  animation: 'auto',
  ...extra,
});

describe('frame sizes', () => {
  it('keeps each quality’s short side in every aspect, with even sides', () => {
    expect(frameSizeFor('medium', '16:9')).toEqual({ width: 1280, height: 720 });
    expect(frameSizeFor('medium', '9:16')).toEqual({ width: 720, height: 1280 });
    expect(frameSizeFor('medium', '1:1')).toEqual({ width: 720, height: 720 });
    expect(frameSizeFor('low', '9:16')).toEqual({ width: 480, height: 854 });
    expect(frameSizeFor('low', '1:1')).toEqual({ width: 480, height: 480 });
    expect(frameSizeFor('high', '9:16')).toEqual({ width: 1080, height: 1920 });
    expect(frameSizeFor('ultra', '1:1')).toEqual({ width: 2160, height: 2160 });
    for (const q of QUALITIES) for (const a of ['16:9', '9:16', '1:1'] as const) for (const n of Object.values(frameSizeFor(q, a))) expect(n % 2).toBe(0);
  });
});

describe('buildRenderPlan', () => {
  const scenes = [
    scene('title', { title: 'Tides' }, 3),
    scene('bullets', { title: 'Why', items: ['Moon', 'Sun', 'Earth'] }, 5, { transition: 'wipe' }),
    scene('stat', { value: 2, label: 'tides a day' }, 4, { transition: 'cut' }),
    scene('chart', { chart: { type: 'bar', labels: ['a', 'b'], values: [1, 2] } }, 3.3, { animation: 'none' }),
  ];

  it('lays scenes end to end in frames, with transitions inside the outgoing scene', () => {
    const plan = buildRenderPlan({ quality: 'medium', aspect: '9:16', theme: 'sand', progress_bar: true }, scenes);
    expect(plan).toMatchObject({ version: SCENE_MODEL_VERSION, quality: 'medium', aspect: '9:16', width: 720, height: 1280, fps: 30, theme: 'sand', progressBar: true });
    expect(plan.scenes.map((s) => [s.startFrame, s.frames])).toEqual([
      [0, 90],
      [90, 150],
      [240, 120],
      // 3.3 s × 30 = 99 frames exactly (no frame lost or added to binary fractions).
      [360, 99],
    ]);
    expect(plan.totalFrames).toBe(459);
    expect(plan.scenes.map((s) => s.transition)).toEqual([
      { type: 'crossfade', frames: 15 },
      { type: 'wipe', frames: 15 },
      { type: 'cut', frames: 0 },
      // The last scene always ends on a cut.
      { type: 'cut', frames: 0 },
    ]);
  });

  it('times entrances: title at 0, body after the title, items 0.4 s apart; none → all zero', () => {
    const plan = buildRenderPlan({ quality: 'low' }, scenes);
    expect(plan).toMatchObject({ width: 854, height: 480, fps: 15, aspect: '16:9', theme: 'dark', progressBar: false });
    expect(plan.scenes.map((s) => s.timeline)).toEqual([
      { title: 0, body: 0, items: [] },
      { title: 0, body: 0.6, items: [0.6, 1, 1.4] },
      { title: 0, body: 0, items: [] },
      { title: 0, body: 0, items: [0, 0] },
    ]);
    expect(sceneTimeline('closing', { title: 'Bye', text: 'Thanks' }, 'auto')).toEqual({ title: 0, body: 0.6, items: [] });
    expect(sceneTimeline('comparison', { left: { heading: 'L', items: ['a', 'b'] }, right: { heading: 'R', items: ['c'] } }, 'auto').items).toEqual([0, 0.4, 0.8]);
  });

  it('pulls entrances in when a short scene would end before they do, and caps a transition at half a scene', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const plan = buildRenderPlan({ quality: 'medium' }, [scene('bullets', { title: 'T', items }, 2), scene('text', { text: 'x' }, 0.5), scene('text', { text: 'y' }, 1)]);
    const [first, short] = plan.scenes;
    // 2 s: 60 frames, 15 of transition → 1.5 s alone; the last entrance (0.6 s long) must start by 0.9 s.
    const last = first!.timeline.items[7]!;
    expect(last).toBeCloseTo(0.9, 3);
    expect(first!.timeline.items).toEqual([...first!.timeline.items].sort((a, b) => a - b));
    expect(first!.timeline.body).toBeCloseTo((0.6 * 0.9) / 3.4, 3);
    expect(short!.frames).toBe(15);
    expect(short!.transition).toEqual({ type: 'crossfade', frames: 7 });
  });

  it('a narrated scene lasts its speech plus 0.6 s (not its reading time), at least 1 s, its asked length and its spoken entrances', () => {
    const plan = buildRenderPlan({ quality: 'medium' }, scenes, { speech: [{ seconds: 4.1 }, null, { seconds: 0.2 }, { seconds: 10, minSeconds: 12 }] });
    expect(plan.scenes.map((s) => s.frames)).toEqual([Math.ceil(4.7 * 30), 150, 30, 12 * 30]);
    expect(plan.scenes[3]!.startFrame).toBe(141 + 150 + 30);
    // Entrances timed to the words are kept as given; the scene outlasts the last one and its transition.
    const spoken = buildRenderPlan({ quality: 'medium' }, [scene('bullets', { title: 'T', items: ['a', 'b'] }, 2), scene('text', { text: 'x' }, 1)], {
      speech: [{ seconds: 2, timeline: { title: 0, body: 0, items: [0.8, 2.4] } }, null],
    });
    expect(spoken.scenes[0]!.timeline).toEqual({ title: 0, body: 0, items: [0.8, 2.4] });
    expect(spoken.scenes[0]!.frames).toBe(Math.ceil((2.4 + 0.6 + 0.5) * 30));
  });

  it('is plain data: JSON round trip gives the same plan', () => {
    const plan = planVideo({ topic: 'Tides', context: 'Tea 50%, coffee 30% and water 20%.', quality: 'high', aspect: '1:1' });
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(plan.scenes.map((s) => s.layout)).toEqual(['title', 'chart', 'closing']);
  });

  it('plannedDurationSeconds is the plan’s length at the job’s quality', () => {
    const input = { topic: 'T', scenes: [{ text: 'a', duration_seconds: 1.01 }, { text: 'b', duration_seconds: 2 }] };
    // 1.01 s at 30 fps is 31 frames; at 15 fps 16 frames.
    expect(plannedDurationSeconds(input)).toBe(Math.round((31 / 30 + 2) * 1000) / 1000);
    expect(plannedDurationSeconds({ ...input, quality: 'low' })).toBe(Math.round((16 / 15 + 2) * 1000) / 1000);
    const planned = planScenes({ topic: 'T', context: 'Hello there. The world turns.' });
    expect(plannedDurationSeconds({ topic: 'T', context: 'Hello there. The world turns.' })).toBe(planned.reduce((a, s) => a + s.durationSeconds, 0));
  });
});
