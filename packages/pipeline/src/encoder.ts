import type { QualityPreset } from '@vidgen/core';

/** Encoder settings shared by every clip (so concat can copy) and by the benchmark baseline. */
export interface EncoderSettings {
  videoCodec: 'libx264';
  x264Preset: string;
  crf: number;
  pixelFormat: 'yuv420p';
  /** Keyframe interval in frames. */
  gopFrames: number;
  audioCodec: 'aac';
  audioBitrateKbps: number;
  audioSampleRate: 48000;
  audioChannels: 2;
}

export function encoderSettingsFor(preset: QualityPreset): EncoderSettings {
  return {
    videoCodec: 'libx264',
    x264Preset: preset.x264Preset,
    crf: preset.crf,
    pixelFormat: 'yuv420p',
    gopFrames: preset.fps * 2,
    audioCodec: 'aac',
    audioBitrateKbps: preset.audioBitrateKbps,
    audioSampleRate: 48000,
    audioChannels: 2,
  };
}

export function videoEncoderArgs(e: EncoderSettings, fps: number): string[] {
  return ['-c:v', e.videoCodec, '-preset', e.x264Preset, '-crf', String(e.crf), '-pix_fmt', e.pixelFormat, '-r', String(fps), '-g', String(e.gopFrames)];
}

export function audioEncoderArgs(e: EncoderSettings): string[] {
  return ['-c:a', e.audioCodec, '-b:a', `${e.audioBitrateKbps}k`, '-ac', String(e.audioChannels), '-ar', String(e.audioSampleRate)];
}

/** Silent stereo source matching the encoder's audio format. */
export function silentAudioSource(e: EncoderSettings): string {
  return `anullsrc=r=${e.audioSampleRate}:cl=stereo`;
}
