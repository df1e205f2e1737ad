import type { JobConfiguration } from './job';
import type { SceneSpec } from './scene-model';

/**
 * The built-in storyboard planner's pure logic: splitting context into
 * readable chunks and timing scenes by reading speed. It lives in core so the
 * API can reject an over-long job at submit (plannedDurationSeconds) with
 * exactly the numbers the worker's planner will use.
 */

export const READING_WORDS_PER_MINUTE = 150;
export const MIN_SCENE_SECONDS = 3;
export const MAX_SCENE_SECONDS = 12;
/** Longest total a job may plan (10 minutes). */
export const MAX_PLANNED_DURATION_SECONDS = 600;
/** A content chunk stays within these so it fits one screen at every quality. */
export const CHUNK_MAX_WORDS = 40;
export const CHUNK_MAX_CHARS = 240;
export const CLOSING_TEXT = 'Thanks for watching.';

/** The drawtext renderer's scene (to be replaced by the scene model's StoryboardScene). */
export interface StoryboardScene {
  kind: 'title' | 'content' | 'closing' | 'explicit';
  /** Heading drawn large; '' for none. */
  title: string;
  /** Body text; '' for none. */
  text: string;
  durationSeconds: number;
}

/** Unspaced scripts (CJK, Thai…) have no word gaps: count such a run as one word per 2 characters. */
const UNSPACED = /[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]/u;

/** A reading-time word count that also works for scripts written without spaces. */
export function countWords(text: string): number {
  let words = 0;
  for (const token of text.split(/\s+/)) {
    if (!token) continue;
    const chars = [...token];
    const unspaced = chars.filter((c) => UNSPACED.test(c)).length;
    words += unspaced > 0 ? Math.max(1, Math.ceil(unspaced / 2)) + (chars.length - unspaced > 0 ? 1 : 0) : 1;
  }
  return words;
}

/** Seconds a viewer needs to read `text` at ~150 words/min, bounded to 3..12 s, in half seconds. */
export function readingSeconds(text: string): number {
  const raw = (countWords(text) / READING_WORDS_PER_MINUTE) * 60 + 1; // +1 s to take in the scene
  const bounded = Math.min(MAX_SCENE_SECONDS, Math.max(MIN_SCENE_SECONDS, raw));
  return Math.round(bounded * 2) / 2;
}

/** Sentences of one paragraph: a boundary is . ! ? … followed by white space, or CJK 。！？. */
export function splitSentences(paragraph: string): string[] {
  return paragraph
    .split(/(?<=[.!?…])\s+|(?<=[。！？])/u)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Scripts written without spaces are joined without one. */
function joiner(before: string, after: string): string {
  const last = [...before].pop() ?? '';
  const first = [...after][0] ?? '';
  return (UNSPACED.test(last) || /[。！？]/u.test(last)) && UNSPACED.test(first) ? '' : ' ';
}

function tooBig(text: string): boolean {
  return countWords(text) > CHUNK_MAX_WORDS || [...text].length > CHUNK_MAX_CHARS;
}

/** Splits one over-long sentence at word gaps (or characters, for unspaced scripts). */
function splitLongSentence(sentence: string): string[] {
  const out: string[] = [];
  let current = '';
  const tokens = sentence.split(/\s+/).filter(Boolean);
  for (const token of tokens) {
    const candidate = current ? `${current} ${token}` : token;
    if (!tooBig(candidate)) {
      current = candidate;
      continue;
    }
    if (current) out.push(current);
    current = '';
    // A single token too big on its own: cut it into pieces by characters.
    let rest = [...token];
    while (rest.length > 0) {
      let n = Math.min(rest.length, CHUNK_MAX_CHARS);
      while (n > 1 && tooBig(rest.slice(0, n).join(''))) n = Math.floor(n * 0.8);
      const piece = rest.slice(0, n).join('');
      rest = rest.slice(n);
      if (rest.length > 0) out.push(piece);
      else current = piece;
    }
  }
  if (current) out.push(current);
  return out;
}

/** Context → readable chunks: paragraphs first, then whole sentences packed up to the chunk budget. */
export function chunkContext(context: string | undefined): string[] {
  if (!context) return [];
  const paragraphs = context
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const chunks: string[] = [];
  for (const paragraph of paragraphs) {
    let current = '';
    for (const sentence of splitSentences(paragraph)) {
      const pieces = tooBig(sentence) ? splitLongSentence(sentence) : [sentence];
      for (const piece of pieces) {
        const candidate = current ? `${current}${joiner(current, piece)}${piece}` : piece;
        if (current && tooBig(candidate)) {
          chunks.push(current);
          current = piece;
        } else {
          current = candidate;
        }
      }
    }
    if (current) chunks.push(current);
  }
  return chunks;
}

function explicitScene(scene: SceneSpec): StoryboardScene {
  const title = scene.title?.trim() ?? '';
  const text = scene.text?.trim() ?? '';
  return { kind: 'explicit', title, text, durationSeconds: scene.duration_seconds ?? readingSeconds(`${title} ${text}`) };
}

/**
 * The deterministic built-in storyboard: explicit scenes as given, otherwise a
 * title scene, one scene per context chunk and a closing scene.
 */
export function planStoryboard(configuration: Pick<JobConfiguration, 'topic' | 'context' | 'scenes'>): StoryboardScene[] {
  const { topic, context, scenes } = configuration;
  if (scenes && scenes.length > 0) return scenes.map(explicitScene);
  const title = topic.trim();
  const planned: StoryboardScene[] = [{ kind: 'title', title, text: '', durationSeconds: readingSeconds(title) }];
  for (const chunk of chunkContext(context)) {
    planned.push({ kind: 'content', title: '', text: chunk, durationSeconds: readingSeconds(chunk) });
  }
  planned.push({ kind: 'closing', title, text: CLOSING_TEXT, durationSeconds: MIN_SCENE_SECONDS });
  return planned;
}

/** Total planned seconds of a configuration; the API rejects more than MAX_PLANNED_DURATION_SECONDS. */
export function plannedDurationSeconds(configuration: Pick<JobConfiguration, 'topic' | 'context' | 'scenes'>): number {
  return planStoryboard(configuration).reduce((sum, s) => sum + s.durationSeconds, 0);
}
