/** Duration in seconds of a PCM WAV file from its header (fmt byte rate and data size). Pure. */
export function wavDurationSeconds(header: Buffer, fileSize: number): number {
  if (header.length < 12 || header.toString('ascii', 0, 4) !== 'RIFF' || header.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let offset = 12;
  let byteRate = 0;
  while (offset + 8 <= header.length) {
    const id = header.toString('ascii', offset, offset + 4);
    const size = header.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 16 <= header.length) byteRate = header.readUInt32LE(offset + 16);
    if (id === 'data') {
      if (!byteRate) throw new Error('WAV data before fmt chunk');
      // espeak-ng writing to a file may leave the size at 0x7fffffff; trust the real file size then.
      const available = fileSize - (offset + 8);
      const dataSize = size === 0 || size > available ? available : size;
      return Math.max(0, dataSize) / byteRate;
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}
