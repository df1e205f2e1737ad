/**
 * Escapes a value for use as a filter option inside an ffmpeg filtergraph
 * (ffmpeg-filters(1), "Notes on filtergraph escaping"): first the option-value
 * level (\ ' :), then the filtergraph level (\ ' [ ] , ;). Used only for our
 * own values such as file paths: user text never enters a graph, it is passed
 * through files (drawtext textfile= with expansion=none).
 */
export function escapeFilterValue(value: string): string {
  const level1 = value.replace(/[\\':]/g, (c) => `\\${c}`);
  return level1.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}
