/** ffmpeg from @ffmpeg-installer/ffmpeg unless overridden (FFMPEG_PATH in the apps' config). */
export function resolveFfmpegPath(override?: string): string {
  if (override) return override;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

/** ffprobe from ffprobe-static unless overridden (FFPROBE_PATH). */
export function resolveFfprobePath(override?: string): string {
  if (override) return override;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('ffprobe-static') as { path: string }).path;
}
