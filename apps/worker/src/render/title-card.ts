import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { QUALITY_PRESETS, type JobConfiguration, type ProgressSink } from '@vidgen/core';
import { buildTitleCardArgs, fontPath, layoutTitleCard, runFfmpeg } from '@vidgen/ffmpeg';

export interface RenderTitleCardOptions {
  configuration: JobConfiguration;
  scratchDir: string;
  ffmpegPath: string;
  durationSeconds: number;
  progress: ProgressSink;
  signal?: AbortSignal;
}

/** Renders the topic and context as one title card; text reaches ffmpeg only through files. */
export async function renderTitleCard(options: RenderTitleCardOptions): Promise<string> {
  const { configuration, scratchDir, ffmpegPath, durationSeconds, progress, signal } = options;
  const preset = QUALITY_PRESETS[configuration.quality];
  progress('planning', 0);
  const layout = layoutTitleCard(configuration.topic, configuration.context, preset);
  const titleFile = path.join(scratchDir, 'title.txt');
  const bodyFile = layout.bodyLines.length ? path.join(scratchDir, 'body.txt') : null;
  await writeFile(titleFile, layout.titleLines.join('\n'), 'utf8');
  if (bodyFile) await writeFile(bodyFile, layout.bodyLines.join('\n'), 'utf8');
  progress('planning', 100);

  const output = path.join(scratchDir, 'video.mp4');
  const args = buildTitleCardArgs({
    preset,
    durationSeconds,
    layout,
    titleFile,
    bodyFile,
    fontFile: fontPath('DejaVuSans.ttf'),
    boldFontFile: fontPath('DejaVuSans-Bold.ttf'),
    output,
  });
  progress('rendering_scenes', 0);
  await runFfmpeg({
    ffmpegPath,
    args,
    expectedDurationSeconds: durationSeconds,
    signal,
    onProgress: (p) => progress('rendering_scenes', p.percentage ?? 0),
  });
  progress('rendering_scenes', 100);
  return output;
}
