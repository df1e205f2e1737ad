export interface SubtitleCue {
  startSeconds: number;
  endSeconds: number;
  text: string;
}

/** HH:MM:SS.mmm */
export function formatVttTimestamp(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3600000);
  const m = Math.floor((ms % 3600000) / 60000);
  const s = Math.floor((ms % 60000) / 1000);
  const pad = (n: number, l = 2) => String(n).padStart(l, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/** Cue text: &, <, > escaped; blank lines (which would end the cue) and "-->" removed. */
export function escapeVttText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/-->/g, '--&gt;')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join('\n');
}

/** A WebVTT document, one cue per non-empty scene. Pure. */
export function buildWebVtt(cues: readonly SubtitleCue[]): string {
  const blocks = ['WEBVTT', ''];
  let n = 0;
  for (const cue of cues) {
    const text = escapeVttText(cue.text);
    if (!text) continue;
    n += 1;
    blocks.push(String(n), `${formatVttTimestamp(cue.startSeconds)} --> ${formatVttTimestamp(cue.endSeconds)}`, text, '');
  }
  return blocks.join('\n');
}
