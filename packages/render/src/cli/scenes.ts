import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { LAYOUTS, type Aspect, type Layout, type SceneContent, type ThemeName } from '@vidgen/core';
import { createPainter } from '../painter';
import { EXAMPLE_SCENES, fixturePlan } from '../plan-fixtures';
import { rgbaToPng } from './png';

/**
 * Writes a picture of every layout for the docs (docs/images/scenes/<layout>.png):
 * dark theme, 1280×720, the frame after every entrance; plus a 9:16 and a
 * light-theme example. `pnpm docs:scenes` runs it from the repository root.
 */
function settledFrame(layout: Layout, theme: ThemeName, aspect: Aspect, content: SceneContent = EXAMPLE_SCENES[layout]): { png: Buffer; width: number; height: number } {
  // One scene, long enough for every entrance and a count-up to finish.
  const plan = fixturePlan([{ layout, content, seconds: 6 }], { quality: 'medium', aspect, theme });
  const painter = createPainter(plan);
  return { png: rgbaToPng(plan.width, plan.height, painter.frame(plan.totalFrames - 1)), width: plan.width, height: plan.height };
}

function main(): void {
  const root = path.resolve(__dirname, '../../../..');
  const dir = path.join(root, 'docs/images/scenes');
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (name: string, data: Buffer): void => {
    writeFileSync(path.join(dir, name), data);
    written.push(`${name} ${(data.length / 1024).toFixed(0)} KB`);
  };
  for (const layout of LAYOUTS) write(`${layout}.png`, settledFrame(layout, 'dark', '16:9').png);
  write('bullets-9x16.png', settledFrame('bullets', 'dark', '9:16').png);
  const chart = EXAMPLE_SCENES.chart.chart!;
  write('chart-pie-light.png', settledFrame('chart', 'light', '16:9', { ...EXAMPLE_SCENES.chart, chart: { ...chart, type: 'pie' } }).png);
  console.log(written.join('\n'));
}

main();
