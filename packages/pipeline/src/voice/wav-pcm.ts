/** The PCM format of a WAV file (the fields of its fmt chunk that matter for joining). */
export interface PcmFormat {
  audioFormat: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
}

export interface PcmWav {
  format: PcmFormat;
  data: Buffer;
}

/**
 * Splits a whole RIFF/WAVE file into its format and sample data. Pure.
 * A data size of 0 or past the end (espeak-ng writing to a file leaves
 * 0x7fffffff there) means "to the end of the file".
 */
export function parseWav(file: Buffer): PcmWav {
  if (file.length < 12 || file.toString('ascii', 0, 4) !== 'RIFF' || file.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let offset = 12;
  let format: PcmFormat | null = null;
  while (offset + 8 <= file.length) {
    const id = file.toString('ascii', offset, offset + 4);
    const size = file.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 24 <= file.length) {
      format = {
        audioFormat: file.readUInt16LE(offset + 8),
        channels: file.readUInt16LE(offset + 10),
        sampleRate: file.readUInt32LE(offset + 12),
        bitsPerSample: file.readUInt16LE(offset + 22),
      };
    }
    if (id === 'data') {
      if (!format) throw new Error('WAV data before fmt chunk');
      const available = file.length - (offset + 8);
      const dataSize = size === 0 || size > available ? available : size;
      return { format, data: file.subarray(offset + 8, offset + 8 + dataSize) };
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}

export function bytesPerSecond(format: PcmFormat): number {
  return format.sampleRate * format.channels * (format.bitsPerSample / 8);
}

/** A canonical 44-byte-header WAV around PCM data. Pure. */
export function buildWav(format: PcmFormat, data: Buffer): Buffer {
  const header = Buffer.alloc(44);
  const blockAlign = format.channels * (format.bitsPerSample / 8);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(format.audioFormat, 20);
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(format.bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Joins WAVs of one engine (same format) end to end; returns the file and where each part starts and ends, in seconds. */
export function concatWavs(parts: readonly PcmWav[]): { wav: Buffer; spans: Array<[number, number]> } {
  if (parts.length === 0) throw new Error('no WAV parts to join');
  const format = parts[0]!.format;
  const rate = bytesPerSecond(format);
  const spans: Array<[number, number]> = [];
  let bytes = 0;
  for (const part of parts) {
    const f = part.format;
    if (f.audioFormat !== format.audioFormat || f.channels !== format.channels || f.sampleRate !== format.sampleRate || f.bitsPerSample !== format.bitsPerSample) {
      throw new Error('WAV parts differ in format');
    }
    spans.push([bytes / rate, (bytes + part.data.length) / rate]);
    bytes += part.data.length;
  }
  return { wav: buildWav(format, Buffer.concat(parts.map((p) => p.data))), spans };
}

/**
 * Where sound starts and ends inside 16-bit PCM, in seconds from its start:
 * the first and last 10 ms window whose peak reaches `thresholdDb` (dBFS).
 * Engines pad each sentence with silence; the spoken span is what timing
 * needs. [0, 0] for silence. Pure.
 */
export function soundBounds(wav: PcmWav, thresholdDb = -40): [number, number] {
  const { format, data } = wav;
  if (format.bitsPerSample !== 16) return [0, data.length / bytesPerSecond(format)];
  const threshold = 32768 * 10 ** (thresholdDb / 20);
  const frameBytes = 2 * format.channels;
  const window = Math.max(1, Math.round(format.sampleRate / 100));
  const frames = Math.floor(data.length / frameBytes);
  let first = -1;
  let last = -1;
  for (let w = 0; w * window < frames; w += 1) {
    let peak = 0;
    const end = Math.min(frames, (w + 1) * window);
    for (let f = w * window; f < end; f += 1) {
      const v = Math.abs(data.readInt16LE(f * frameBytes));
      if (v > peak) peak = v;
    }
    if (peak >= threshold) {
      if (first < 0) first = w;
      last = w;
    }
  }
  if (first < 0) return [0, 0];
  return [(first * window) / format.sampleRate, Math.min(frames, (last + 1) * window) / format.sampleRate];
}
