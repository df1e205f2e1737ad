import {
  BUILD_STAGGER_SECONDS,
  ENTRANCE_SECONDS,
  QUALITY_PRESETS,
  SCENE_MODEL_VERSION,
  TRANSITION_SECONDS,
  builtItemCount,
  type Animation,
  type Aspect,
  type Layout,
  type Quality,
  type RenderPlan,
  type RenderPlanScene,
  type SceneContent,
  type ThemeName,
  type Transition,
} from '@vidgen/core';

/**
 * Hand-made RenderPlans for tests, docs pictures and benchmarks: the same
 * shape core's plan builder produces (title at 0, body after it, built items
 * staggered), without depending on the planner.
 */
export interface FixtureScene {
  layout: Layout;
  content: SceneContent;
  seconds?: number;
  transition?: Transition;
  animation?: Animation;
}

export interface FixtureOptions {
  quality?: Quality;
  aspect?: Aspect;
  theme?: ThemeName;
  progressBar?: boolean;
  /** Overrides the quality's fps (small test plans). */
  fps?: number;
}

/** Frame size of a quality at an aspect: the short side stays the quality's height. */
export function frameSizeOf(quality: Quality, aspect: Aspect): { width: number; height: number } {
  const p = QUALITY_PRESETS[quality];
  if (aspect === '9:16') return { width: p.height, height: p.width };
  if (aspect === '1:1') return { width: p.height, height: p.height };
  return { width: p.width, height: p.height };
}

export function fixturePlan(scenes: FixtureScene[], options: FixtureOptions = {}): RenderPlan {
  const { quality = 'medium', aspect = '16:9', theme = 'dark', progressBar = false } = options;
  const fps = options.fps ?? QUALITY_PRESETS[quality].fps;
  const { width, height } = frameSizeOf(quality, aspect);
  let start = 0;
  const planned: RenderPlanScene[] = scenes.map((s, index) => {
    const frames = Math.round((s.seconds ?? 4) * fps);
    const animation = s.animation ?? 'auto';
    const last = index === scenes.length - 1;
    const type: Transition = last ? 'cut' : (s.transition ?? 'crossfade');
    const scene: RenderPlanScene = {
      index,
      kind: 'explicit',
      layout: s.layout,
      content: s.content,
      animation,
      startFrame: start,
      frames,
      transition: { type, frames: type === 'cut' ? 0 : Math.round(TRANSITION_SECONDS * fps) },
      timeline: { title: 0, body: 0, items: [] },
    };
    if (animation === 'auto') {
      const hasTitle = s.content.title !== undefined && !['title', 'closing'].includes(s.layout);
      const body = hasTitle ? ENTRANCE_SECONDS / 2 : 0.1;
      const n = builtItemCount(scene.layout, scene.content);
      scene.timeline = { title: 0, body, items: Array.from({ length: n }, (_, i) => body + 0.1 + i * BUILD_STAGGER_SECONDS) };
    } else {
      scene.timeline.items = Array.from({ length: builtItemCount(scene.layout, scene.content) }, () => 0);
    }
    start += frames;
    return scene;
  });
  return { version: SCENE_MODEL_VERSION, quality, aspect, width, height, fps, theme, progressBar, scenes: planned, totalFrames: start };
}

/** One example of every layout: the docs pictures and the pixel tests draw these. */
export const EXAMPLE_SCENES: Readonly<Record<Layout, SceneContent>> = Object.freeze({
  title: { title: 'How solar power reaches your home', text: 'From sunlight to the socket in five minutes' },
  text: { title: 'Why it matters', text: 'Solar panels turn sunlight into electricity without moving parts or fuel. A typical home system pays for itself in seven to ten years and keeps working for decades.' },
  bullets: { title: 'What you need', items: ['Panels on a roof that faces the sun', 'An inverter to make household current', 'A meter that counts both directions', 'Optional: a battery for the evening'] },
  stat: { title: 'Cost since 2010', value: 89, prefix: '−', suffix: '%', label: 'drop in the price of solar modules' },
  chart: { title: 'Capacity added per year', chart: { type: 'column', labels: ['2019', '2020', '2021', '2022', '2023'], values: [115, 140, 175, 240, 350], unit: 'gigawatts' } },
  steps: { title: 'From light to socket', items: ['Cells turn light into direct current', 'The inverter converts it to alternating current', 'Your home uses what it needs', 'The surplus flows into the grid'] },
  quote: { quote: 'The sun is the largest energy source we have, and it sends us a bill of exactly nothing.', attribution: 'A very practical engineer' },
  icon_text: { title: 'Storage', icon: 'battery-charging', text: 'A home battery stores the midday surplus and releases it in the evening, when demand peaks.' },
  comparison: { title: 'Rooftop or community solar?', left: { heading: 'Rooftop', items: ['You own the panels', 'Needs a suitable roof', 'Highest long-term savings'] }, right: { heading: 'Community', items: ['Subscribe to a shared farm', 'Works for renters', 'Smaller, steady savings'] } },
  closing: { title: 'Thanks for watching', text: 'Questions? Ask your installer for a free roof check.' },
});
