import { SCENE_MODEL_VERSION, type RenderPlan, type RenderPlanScene, type Transition } from '@vidgen/core';

/** A hand-written RenderPlan (plain data) for engine tests: scenes as frame counts and transitions. */
export function testPlan(options: { width?: number; height?: number; fps?: number; scenes: Array<{ frames: number; transition?: Transition; transitionFrames?: number }> }): RenderPlan {
  const { width = 64, height = 36, fps = 30 } = options;
  let start = 0;
  const scenes: RenderPlanScene[] = options.scenes.map((s, index) => {
    const last = index === options.scenes.length - 1;
    const type: Transition = last ? 'cut' : (s.transition ?? 'crossfade');
    const scene: RenderPlanScene = {
      index,
      kind: 'explicit',
      layout: 'text',
      content: { text: `Scene ${index + 1}` },
      animation: 'auto',
      startFrame: start,
      frames: s.frames,
      transition: { type, frames: type === 'cut' ? 0 : (s.transitionFrames ?? Math.round(fps / 2)) },
      timeline: { title: 0, body: 0, items: [] },
    };
    start += s.frames;
    return scene;
  });
  return { version: SCENE_MODEL_VERSION, quality: 'low', aspect: '16:9', width, height, fps, theme: 'dark', progressBar: false, scenes, totalFrames: start };
}
