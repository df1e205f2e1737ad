import type { BurnedCaption } from '@vidgen/core';
import type { WordTiming } from './voice/types';
import type { SubtitleCue } from './webvtt';

/** Caption limits (common broadcast/streaming practice): two lines of 42 characters, at most 7 s on screen. */
export const CAPTION_LIMITS = { maxLineChars: 42, maxLines: 2, maxCueSeconds: 7 } as const;

export interface CaptionOptions {
  maxLineChars?: number;
  maxLines?: number;
  maxCueSeconds?: number;
  /** A silence at least this long between words starts a new cue (the next words start after a pause). */
  pauseSeconds?: number;
  /** How long a cue stays after its last word, unless the next cue starts sooner. */
  holdSeconds?: number;
}

/** One narration clip's words (times from the start of its WAV) and where the clip starts in the video. */
export interface PlacedWords {
  startSeconds: number;
  words: readonly WordTiming[];
}

/** All words of the video on its timeline. Pure. */
export function placeWords(clips: readonly PlacedWords[]): WordTiming[] {
  return clips.flatMap((c) => c.words.map((w) => ({ text: w.text, startSeconds: c.startSeconds + w.startSeconds, endSeconds: c.startSeconds + w.endSeconds })));
}

/** Greedy wrap into lines of at most `width` characters; a word longer than a line is cut into pieces. Pure. */
export function wrapWords(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const raw of words) {
    let word = raw;
    while (word.length > width) {
      if (line) lines.push(line);
      lines.push(word.slice(0, width));
      word = word.slice(width);
      line = '';
    }
    if (!word) continue;
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

const SENTENCE_END = /[.!?\u2026]["'\u201d\u2019)\]]*$/u;

/**
 * Caption cues of what is spoken, from word timings. A cue starts when a
 * word is first heard and holds whole words; a new cue begins after a
 * sentence end, after a pause, or when the words would no longer fit in
 * maxLines × maxLineChars or maxCueSeconds. A cue ends with its last word
 * (plus a short hold that never overlaps the next cue). Pure.
 */
export function captionCues(words: readonly WordTiming[], options: CaptionOptions = {}): SubtitleCue[] {
  const { maxLineChars = CAPTION_LIMITS.maxLineChars } = options;
  return timedCaptionGroups(words, options).map((g) => ({ startSeconds: g.startSeconds, endSeconds: g.endSeconds, text: wrapWords(g.words.map((w) => w.text), maxLineChars).join('\n') }));
}

/** The cues' words and spans (what captionCues writes as text). Pure. */
export function timedCaptionGroups(words: readonly WordTiming[], options: CaptionOptions = {}): Array<{ startSeconds: number; endSeconds: number; words: WordTiming[] }> {
  const { maxLineChars = CAPTION_LIMITS.maxLineChars, maxLines = CAPTION_LIMITS.maxLines, maxCueSeconds = CAPTION_LIMITS.maxCueSeconds, pauseSeconds = 0.35, holdSeconds = 0.4 } = options;
  const groups: WordTiming[][] = [];
  let current: WordTiming[] = [];
  const fits = (next: WordTiming) => {
    const candidate = [...current, next];
    if (wrapWords(candidate.map((w) => w.text), maxLineChars).length > maxLines) return false;
    return next.endSeconds - current[0]!.startSeconds <= maxCueSeconds;
  };
  for (const word of words) {
    const text = word.text.replace(/\s+/g, ' ').trim();
    if (!text) continue;
    const w = { ...word, text };
    const last = current[current.length - 1];
    const breakHere = last !== undefined && (SENTENCE_END.test(last.text) || w.startSeconds - last.endSeconds >= pauseSeconds || !fits(w));
    if (breakHere) {
      groups.push(current);
      current = [];
    }
    current.push(w);
  }
  if (current.length) groups.push(current);
  return groups.map((g, i) => {
    const start = g[0]!.startSeconds;
    const next = groups[i + 1]?.[0]?.startSeconds ?? Infinity;
    // A single word longer than the cue limit still gets its whole span, cut at maxCueSeconds.
    const end = Math.min(g[g.length - 1]!.endSeconds + holdSeconds, next, start + maxCueSeconds);
    return { startSeconds: start, endSeconds: Math.max(end, start + 0.1), words: g };
  });
}

/**
 * The cues as captions drawn into the video, in frames: the same groups and
 * the same line breaks as the sidecar (a word longer than a line keeps a
 * line of its own), each word with the frame it is first heard. Pure.
 */
export function burnedCaptions(words: readonly WordTiming[], fps: number, totalFrames: number, options: CaptionOptions = {}): BurnedCaption[] {
  const { maxLineChars = CAPTION_LIMITS.maxLineChars } = options;
  const frame = (t: number) => Math.min(totalFrames, Math.max(0, Math.round(t * fps)));
  const out: BurnedCaption[] = [];
  for (const g of timedCaptionGroups(words, options)) {
    const startFrame = Math.max(frame(g.startSeconds), out[out.length - 1]?.endFrame ?? 0);
    const endFrame = frame(g.endSeconds);
    if (endFrame <= startFrame) continue;
    const lines: BurnedCaption['lines'] = [];
    let width = Infinity;
    for (const w of g.words) {
      const word = { text: w.text, startFrame: Math.min(endFrame - 1, Math.max(startFrame, frame(w.startSeconds))) };
      if (width + 1 + w.text.length <= maxLineChars) {
        lines[lines.length - 1]!.push(word);
        width += 1 + w.text.length;
      } else {
        lines.push([word]);
        width = w.text.length;
      }
    }
    out.push({ startFrame, endFrame, lines });
  }
  return out;
}
