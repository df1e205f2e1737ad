import type { WordTiming } from './types';

/**
 * Splits narration into sentences: after . ! ? or … (closing quotes and
 * brackets stay with their sentence) followed by white space, and at line
 * breaks. Pure; white space is collapsed, empty pieces dropped.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n|\r/)) {
    const pieces = line.split(/(?<=[.!?\u2026]["'\u201d\u2019)\]]*)\s+/u);
    for (const p of pieces) {
      const s = p.replace(/\s+/g, ' ').trim();
      // A piece with no letter or digit says nothing (a stray "-" or "...").
      if (s && /[\p{L}\p{N}]/u.test(s)) out.push(s);
    }
  }
  return out;
}

/**
 * Word timings inside one sentence whose spoken span alone is known (engines
 * without word events): the span is shared out in proportion to each word's
 * characters plus one for the gap. An estimate, marked as such by the
 * synthesis (timing 'sentence'); sentence starts and ends are measured. Pure.
 */
export function spreadWords(sentence: string, startSeconds: number, endSeconds: number): WordTiming[] {
  const words = sentence.split(/\s+/).filter(Boolean);
  const weights = words.map((w) => w.length + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const span = Math.max(0, endSeconds - startSeconds);
  const out: WordTiming[] = [];
  let at = startSeconds;
  words.forEach((text, i) => {
    const length = total ? (span * weights[i]!) / total : 0;
    out.push({ text, startSeconds: at, endSeconds: at + length });
    at += length;
  });
  return out;
}
