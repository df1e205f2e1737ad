/**
 * How a silent video is split among ffmpeg processes. Each group of consecutive
 * scenes is one ffmpeg with one encode, so a group saves the per-scene
 * start-up, IDR and lookahead warm-up. Up to the scene concurrency, groups
 * render in parallel with the cores divided among them: on 2 cores, two
 * single-threaded encoders beat one x264 with frame threads on this still,
 * mostly-static content (pnpm bench:render, reference job: ratio 1.08 with two
 * groups against 1.23 with one). Below SILENT_GROUP_MIN_SECONDS per group the
 * extra process and the stream-copy join cost more than they save. Pure.
 */
export const SILENT_GROUP_MIN_SECONDS = 10;

/** Number of groups: at most the scene concurrency and the scene count, one per full minute of video. */
export function silentGroupCount(totalSeconds: number, sceneCount: number, concurrency: number): number {
  const byLength = Math.floor(totalSeconds / SILENT_GROUP_MIN_SECONDS);
  return Math.max(1, Math.min(concurrency, sceneCount, byLength));
}

/**
 * Splits scenes (given by their frame counts, in order) into `groups`
 * consecutive, non-empty runs of about equal frames. Returns scene indices.
 */
export function groupScenes(frames: readonly number[], groups: number): number[][] {
  const n = Math.max(1, Math.min(groups, frames.length));
  const total = frames.reduce((a, b) => a + b, 0);
  const out: number[][] = [];
  let current: number[] = [];
  let done = 0;
  frames.forEach((f, i) => {
    current.push(i);
    done += f;
    const remainingScenes = frames.length - i - 1;
    const remainingGroups = n - out.length - 1;
    // Close the group once it reaches its share, keeping at least one scene for each later group.
    const reached = done >= (total * (out.length + 1)) / n;
    if (remainingGroups > 0 && (reached || remainingScenes === remainingGroups)) {
      out.push(current);
      current = [];
    }
  });
  if (current.length > 0) out.push(current);
  return out;
}
