import type { SceneContent } from '@vidgen/core';

/**
 * A scene's visible text as lines, in reading order: what the narration
 * speaks and the subtitles show. Numbers are written as the scene shows them
 * (prefix, value, suffix). Pure.
 */
export function sceneTextLines(content: SceneContent): string[] {
  const lines: Array<string | undefined> = [content.title];
  if (content.value !== undefined) lines.push(`${content.prefix ?? ''}${formatNumber(content.value)}${content.suffix ?? ''}`, content.label);
  lines.push(content.text, content.quote, content.attribution);
  lines.push(...(content.items ?? []));
  if (content.chart) lines.push(...content.chart.labels.map((l, i) => `${l}: ${formatNumber(content.chart!.values[i] ?? 0)}${content.chart!.unit ? ` ${content.chart!.unit}` : ''}`));
  for (const side of [content.left, content.right]) if (side) lines.push(side.heading, ...side.items);
  return lines.map((l) => l?.trim() ?? '').filter(Boolean);
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}
