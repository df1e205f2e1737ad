import { BUILD_STAGGER_SECONDS, ENTRANCE_SECONDS, builtItemCount, sceneTimeline, type Animation, type Layout, type SceneContent, type SceneTimeline } from '@vidgen/core';
import { splitSentences } from './voice/sentences';
import type { SentenceTiming, WordTiming } from './voice/types';

/**
 * What a scene says and which part of it belongs to which element, and the
 * entrance times that follow from the engine's timings. Pure.
 */

/** One spoken sentence of a scene: a built item (its index), the stat's number, or anything else. */
export interface ScriptPart {
  role: 'title' | 'body' | 'item' | 'other';
  item?: number;
  text: string;
}

export interface NarrationScript {
  /** What the engine reads: one part per line. */
  text: string;
  /** The parts of the visible text in spoken order; empty for the author's own narration (its sentences are the parts). */
  parts: ScriptPart[];
  /** The author's narration (scenes[i].narration) rather than the visible text. */
  custom: boolean;
}

const SAYS_SOMETHING = /[\p{L}\p{N}]/u;
const ENDS_SENTENCE = /[.!?\u2026]["'\u201d\u2019)\]]*$/u;

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

/** A part as its own sentence: engines pause after it, and sentence engines time it exactly. */
function asSentence(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  // "Step one:" ends as "Step one." rather than "Step one:.".
  return ENDS_SENTENCE.test(t) ? t : `${t.replace(/\s*[,;:\u2013\u2014-]+$/u, '')}.`;
}

/**
 * The scene's narration: the author's `narration` when given, else the
 * visible text in reading order, every item its own sentence (so each is
 * timed on its own) and a stat's number spoken with its label.
 */
export function narrationScript(layout: Layout, content: SceneContent, narration?: string): NarrationScript {
  if (narration !== undefined && SAYS_SOMETHING.test(narration)) {
    return { text: splitSentences(narration).join('\n'), parts: [], custom: true };
  }
  const parts: ScriptPart[] = [];
  const push = (role: ScriptPart['role'], text: string | undefined, item?: number) => {
    if (text && SAYS_SOMETHING.test(text)) parts.push({ role, text: asSentence(text), ...(item === undefined ? {} : { item }) });
  };
  push('title', content.title);
  if (content.value !== undefined) push('body', [`${content.prefix ?? ''}${formatNumber(content.value)}${content.suffix ?? ''}`, content.label].filter(Boolean).join(' '));
  push(layout === 'title' || layout === 'closing' ? 'other' : 'body', content.text);
  push('body', content.quote);
  push('other', content.attribution);
  (content.items ?? []).forEach((t, i) => push('item', t, i));
  if (content.chart) {
    const { labels, values, unit } = content.chart;
    labels.forEach((l, i) => push('item', `${l}: ${formatNumber(values[i] ?? 0)}${unit ? ` ${unit}` : ''}`, i));
  }
  let item = 0;
  for (const side of [content.left, content.right]) {
    if (!side) continue;
    push('other', side.heading);
    for (const t of side.items) push('item', t, item++);
  }
  return { text: parts.map((p) => p.text).join('\n'), parts, custom: false };
}

function tokenCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/**
 * Each part's spoken span: the words whose tokens belong to it. Engines keep
 * the text's whitespace tokens (Festival's Token items; an untimed token
 * rides in its neighbour's text), so counting tokens aligns words to parts.
 * null for a part no timed word starts in.
 */
export function partSpans(parts: readonly ScriptPart[], words: readonly WordTiming[]): Array<{ startSeconds: number; endSeconds: number } | null> {
  const wordStarts: number[] = [];
  let at = 0;
  for (const w of words) {
    wordStarts.push(at);
    at += Math.max(1, tokenCount(w.text));
  }
  const spans: Array<{ startSeconds: number; endSeconds: number } | null> = [];
  let token = 0;
  for (const p of parts) {
    const from = token;
    token += tokenCount(p.text);
    const inside = words.filter((_, j) => wordStarts[j]! >= from && wordStarts[j]! < token);
    spans.push(inside.length ? { startSeconds: inside[0]!.startSeconds, endSeconds: inside[inside.length - 1]!.endSeconds } : null);
  }
  return spans;
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;

export interface SpokenTimelineInput {
  layout: Layout;
  content: SceneContent;
  animation: Animation;
  script: NarrationScript;
  words: readonly WordTiming[];
  sentences: readonly SentenceTiming[];
}

/**
 * Entrances timed to the voice: each built item enters as its sentence
 * starts, a stat's number enters as its sentence starts and counts up until
 * that sentence ends; the rest keeps the reading-time timeline. With the
 * author's own narration, items go with its last sentences, one each (the
 * sentences before them introduce the list); fewer sentences than items
 * share them out in order. null when nothing follows the voice (animation
 * 'none', or a layout with nothing built).
 */
export function spokenTimeline(input: SpokenTimelineInput): SceneTimeline | null {
  const { layout, content, animation, script, words, sentences } = input;
  if (animation === 'none') return null;
  const base = sceneTimeline(layout, content, animation);
  const count = builtItemCount(layout, content);
  if (count === 0 && layout !== 'stat') return null;
  const itemStarts: Array<number | null> = new Array<number | null>(count).fill(null);
  let body: { startSeconds: number; endSeconds: number } | null = null;
  if (!script.custom) {
    const spans = partSpans(script.parts, words);
    script.parts.forEach((p, k) => {
      const span = spans[k];
      if (!span) return;
      if (p.role === 'item' && p.item !== undefined && p.item < count) itemStarts[p.item] = span.startSeconds;
      if (p.role === 'body' && layout === 'stat' && !body) body = span;
    });
  } else if (sentences.length > 0) {
    const s = sentences.length;
    for (let i = 0; i < count; i++) {
      if (s >= count) itemStarts[i] = sentences[s - count + i]!.startSeconds;
      else {
        const k = Math.floor((i * s) / count);
        const first = Math.ceil((k * count) / s);
        itemStarts[i] = sentences[k]!.startSeconds + (i - first) * BUILD_STAGGER_SECONDS;
      }
    }
    if (layout === 'stat') body = sentences.find((x) => /\p{N}/u.test(x.text)) ?? sentences[0]!;
  }
  // An item the voice does not reach keeps its place after the one before it.
  const items: number[] = [];
  itemStarts.forEach((t, i) => {
    const previous = items[i - 1];
    const fallback = previous === undefined ? base.items[i]! : previous + BUILD_STAGGER_SECONDS;
    items.push(round3(Math.max(t ?? fallback, previous ?? 0)));
  });
  const timeline: SceneTimeline = { ...base, items };
  if (layout === 'stat' && body) {
    const span: { startSeconds: number; endSeconds: number } = body;
    timeline.body = round3(span.startSeconds);
    timeline.countSeconds = round3(Math.max(ENTRANCE_SECONDS, span.endSeconds - timeline.body));
  }
  return timeline;
}
