import { execFile } from 'node:child_process';
import { VidgenError, type MediaFacts } from '@vidgen/core';

export interface ProbeVideoStream {
  codec: string;
  width: number;
  height: number;
  fps: number;
  pix_fmt: string | null;
  bit_rate: number | null;
  rotation: number;
  /** ffprobe's profile name ("High", "Main") and level (level_idc: 31 for 3.1), when it gives them: what a CODECS string is made from. */
  profile?: string;
  level?: number;
}

export interface ProbeAudioStream {
  codec: string;
  channels: number;
  sample_rate: number;
  bit_rate: number | null;
  /** ffprobe's profile name ("LC", "HE-AAC"), when it gives one. */
  profile?: string;
}

/** A typed, bounded summary of ffprobe's answer: fields we don't model are dropped here. */
export interface ProbeResult {
  format: string;
  duration_seconds: number;
  size_bytes: number;
  bit_rate: number | null;
  video: ProbeVideoStream | null;
  audio: ProbeAudioStream | null;
}

const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

const str = (v: unknown, max = 64): string | null => (typeof v === 'string' ? v.slice(0, max) : null);

/** A stream's profile and level, only those ffprobe reports (it says level -99 when it has none). */
function codecProfile(s: Record<string, unknown>): { profile?: string; level?: number } {
  const profile = str(s.profile);
  const level = num(s.level);
  return { ...(profile ? { profile } : {}), ...(level !== null && level > 0 ? { level } : {}) };
}

function parseRate(v: unknown): number {
  if (typeof v !== 'string') return 0;
  const [a, b] = v.split('/').map(Number);
  if (!a || !Number.isFinite(a)) return 0;
  const r = b ? a / b : a;
  return Math.round(r * 1000) / 1000;
}

/** Parses ffprobe's -print_format json output; pure, for unit tests. */
export function parseProbeOutput(json: unknown): ProbeResult {
  const root = (json ?? {}) as { format?: Record<string, unknown>; streams?: Array<Record<string, unknown>> };
  const format = root.format ?? {};
  const streams = Array.isArray(root.streams) ? root.streams : [];
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  const tags = (v?.tags ?? {}) as Record<string, unknown>;
  const sideData = Array.isArray(v?.side_data_list) ? (v?.side_data_list as Array<Record<string, unknown>>) : [];
  const rotation = num(tags.rotate) ?? num(sideData.find((d) => d.rotation !== undefined)?.rotation) ?? 0;
  return {
    format: str(format.format_name) ?? 'unknown',
    duration_seconds: num(format.duration) ?? 0,
    size_bytes: num(format.size) ?? 0,
    bit_rate: num(format.bit_rate),
    video: v
      ? {
          codec: str(v.codec_name) ?? 'unknown',
          width: num(v.width) ?? 0,
          height: num(v.height) ?? 0,
          fps: parseRate(v.avg_frame_rate) || parseRate(v.r_frame_rate),
          pix_fmt: str(v.pix_fmt),
          bit_rate: num(v.bit_rate),
          rotation,
          ...codecProfile(v),
        }
      : null,
    audio: a
      ? {
          codec: str(a.codec_name) ?? 'unknown',
          channels: num(a.channels) ?? 0,
          sample_rate: num(a.sample_rate) ?? 0,
          bit_rate: num(a.bit_rate),
          ...((profile) => (profile ? { profile } : {}))(str(a.profile)),
        }
      : null,
  };
}

export interface ProbeOptions {
  ffprobePath: string;
  timeoutMs?: number;
}

/** Runs ffprobe on a file or URL (argument array, no shell). */
export function probe(input: string, options: ProbeOptions): Promise<ProbeResult> {
  const { ffprobePath, timeoutMs = 30000 } = options;
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', input];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath, args, { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(
          new VidgenError('RENDER_FAILED', {
            message: `ffprobe failed: ${String(stderr || err.message).slice(0, 500)}`,
            cause: err,
          }),
        );
        return;
      }
      try {
        resolve(parseProbeOutput(JSON.parse(stdout)));
      } catch (e) {
        reject(new VidgenError('RENDER_FAILED', { message: 'ffprobe returned unreadable output', cause: e }));
      }
    });
  });
}

/** Runs `<binary> -version` and returns the first line; used by readiness checks. */
export function binaryVersion(binaryPath: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binaryPath, ['-version'], { timeout: timeoutMs }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.split('\n')[0] ?? '');
    });
  });
}

const finite = (n: number | null | undefined): number | null => (typeof n === 'number' && Number.isFinite(n) ? n : null);

/** Maps ffprobe's parsed answer into the stored facts, bounded and typed. */
export function factsFromProbe(p: ProbeResult): MediaFacts {
  return {
    duration_seconds: Math.max(0, finite(p.duration_seconds) ?? 0),
    width: p.video?.width ?? 0,
    height: p.video?.height ?? 0,
    fps: p.video?.fps ?? 0,
    video_codec: (p.video?.codec ?? 'unknown').slice(0, 32),
    audio_codec: p.audio ? p.audio.codec.slice(0, 32) : null,
    audio_channels: p.audio ? p.audio.channels : null,
    audio_sample_rate: p.audio ? p.audio.sample_rate : null,
    bit_rate: finite(p.bit_rate),
    size_bytes: Math.max(0, finite(p.size_bytes) ?? 0),
    format: p.format.split(',')[0]?.slice(0, 32) === 'mov' ? 'mp4' : p.format.slice(0, 32),
    rotation: finite(p.video?.rotation) ?? 0,
  };
}
