import type { JobConfiguration } from './job';
import { DEFAULT_TRANSITION, LAYOUT_FIELDS, SCENE_LIMITS, type Layout, type PlannedScene, type PlannedSceneKind, type SceneContent, type SceneSpec } from './scene-model';
import { BULLET_LINE, NUMBERED_LINE, clean, detectChart, detectNumberedRun, detectSentenceList, detectStat, findQuote, findSequence, iconFor, shorten } from './scene-rules';
import { buildSeconds } from './scene-timing';

/**
 * The built-in storyboard planner, pure: explicit scenes normalised, or a
 * topic and context turned into scenes with layouts chosen by rules, each
 * timed by reading speed and by what its builds need. It lives in core so
 * the API can answer /plan and reject an over-long job at submit with
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
/** The closing line in the languages of planner_hints.language the rules planner knows (by primary subtag); others get CLOSING_TEXT. */
export const CLOSING_TEXTS: Readonly<Record<string, string>> = Object.freeze({
  en: CLOSING_TEXT,
  de: 'Danke fürs Zuschauen.',
  fr: 'Merci de votre attention.',
  es: 'Gracias por ver.',
  it: 'Grazie per la visione.',
  pt: 'Obrigado por assistir.',
  nl: 'Bedankt voor het kijken.',
});

/** The closing line for a BCP 47 tag (its primary subtag), CLOSING_TEXT when unknown. */
export function closingTextFor(language: string | undefined): string {
  return (language && CLOSING_TEXTS[language.split('-')[0]!.toLowerCase()]) || CLOSING_TEXT;
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

/** Whole sentences packed up to the chunk budget (over-long ones cut at word gaps). */
export function packSentences(sentences: readonly string[]): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const sentence of sentences) {
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
  return chunks;
}

/** Context → paragraphs (blank lines apart), each with its lines kept. */
function paragraphsOf(context: string | undefined): string[][] {
  if (!context) return [];
  return context
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) =>
      p
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean),
    )
    .filter((lines) => lines.length > 0);
}

/** Context → readable chunks: paragraphs first, then whole sentences packed up to the chunk budget. */
export function chunkContext(context: string | undefined): string[] {
  return paragraphsOf(context).flatMap((lines) => packSentences(splitSentences(lines.join(' ').replace(/\s+/g, ' '))));
}

// ------------------------------------------------------------------ rules

type Draft = { layout: Layout; content: SceneContent };

const itemFits = (item: string) => [...item].length <= SCENE_LIMITS.item;

/** Plain sentences → text scenes (icon_text when a keyword of ICON_KEYWORDS occurs). */
function textScenes(sentences: readonly string[]): Draft[] {
  return packSentences(sentences.map(clean).filter(Boolean)).map((chunk) => {
    const icon = iconFor(chunk);
    return icon ? { layout: 'icon_text', content: { icon, text: chunk } } : { layout: 'text', content: { text: chunk } };
  });
}

/** Items → one or more bullets/steps scenes of at most SCENE_LIMITS.itemsMax items, split evenly; over-long items stay text. */
function listScenes(layout: 'bullets' | 'steps', items: readonly string[], title: string): Draft[] {
  const cleaned = items.map(clean).filter(Boolean);
  if (cleaned.length === 0) return [];
  if (!cleaned.every(itemFits)) return textScenes([title, ...cleaned].filter(Boolean).map((s) => (/[.!?…。！？]$/u.test(s) ? s : `${s}.`)));
  const groups = Math.ceil(cleaned.length / SCENE_LIMITS.itemsMax);
  const size = Math.ceil(cleaned.length / groups);
  const out: Draft[] = [];
  for (let i = 0; i < cleaned.length; i += size) {
    out.push({ layout, content: { ...(title ? { title } : {}), items: cleaned.slice(i, i + size) } });
  }
  return out;
}

/** A lead-in ending with a colon heads the list that follows ("You will need:"); any other lead is its own scene. */
function withLead(lead: string, list: (title: string) => Draft[]): Draft[] {
  const l = clean(lead);
  if (l.endsWith(':') && [...l].length - 1 <= SCENE_LIMITS.title && l.length > 1) return list(l.slice(0, -1).trim());
  return [...planSentences(splitSentences(l)), ...list('')];
}

/** Sentences of one paragraph: "first … then … finally" → steps, then per sentence chart, stat, bullets, else text. */
function planSentences(sentences: readonly string[]): Draft[] {
  if (sentences.length === 0) return [];
  const sequence = findSequence(sentences);
  if (sequence && sequence.items.every(itemFits)) {
    return [...planSentences(sentences.slice(0, sequence.from)), ...listScenes('steps', sequence.items, ''), ...planSentences(sentences.slice(sequence.to + 1))];
  }
  const out: Draft[] = [];
  let plain: string[] = [];
  const flush = () => {
    out.push(...textScenes(plain));
    plain = [];
  };
  for (const sentence of sentences) {
    const chart = detectChart(sentence);
    const stat = chart ? null : detectStat(sentence);
    const list = chart || stat ? null : detectSentenceList(sentence);
    const draft: Draft | null = chart ? { layout: 'chart', content: chart } : stat ? { layout: 'stat', content: stat } : list ? { layout: 'bullets', content: list } : null;
    if (draft) {
      flush();
      out.push(draft);
    } else {
      plain.push(sentence);
    }
  }
  flush();
  return out;
}

/** Running text of a paragraph: a numbered run → steps; a quoted sentence → quote; the rest sentence by sentence. */
function planProse(text: string): Draft[] {
  const prose = clean(text);
  if (!prose) return [];
  const run = detectNumberedRun(prose);
  if (run && run.items.every(itemFits)) return withLead(run.lead, (title) => listScenes('steps', run.items, title));
  const quote = findQuote(prose);
  if (quote) {
    const scene: Draft = { layout: 'quote', content: { quote: quote.quote, ...(quote.attribution ? { attribution: quote.attribution } : {}) } };
    return [...planProse(quote.before), scene, ...planProse(quote.after)];
  }
  return planSentences(splitSentences(prose));
}

/** One paragraph: list lines (-, *, •, or numbered) → bullets or steps; everything else is prose. */
function planParagraph(lines: readonly string[]): Draft[] {
  const isListLine = (l: string) => BULLET_LINE.test(l) || NUMBERED_LINE.test(l);
  const first = lines.findIndex(isListLine);
  if (first < 0 || lines.filter(isListLine).length < 2) return planProse(lines.join(' '));
  const items: string[] = [];
  let numbered = true;
  let end = first;
  for (; end < lines.length; end++) {
    const line = lines[end]!;
    const bullet = BULLET_LINE.exec(line);
    const number = NUMBERED_LINE.exec(line);
    if (bullet || number) {
      if (bullet) numbered = false;
      items.push(bullet ? bullet[1]! : number![2]!);
    } else if (end + 1 < lines.length && isListLine(lines[end + 1]!)) {
      // A line between two list lines is a wrapped item: it continues the one before.
      items[items.length - 1] += ` ${line}`;
    } else {
      break;
    }
  }
  const lead = lines.slice(0, first).join(' ');
  const layout = numbered ? 'steps' : 'bullets';
  return [...withLead(lead, (title) => listScenes(layout, items, title)), ...planParagraph(lines.slice(end))];
}

// ------------------------------------------------------------------ scenes

/** Every word a viewer reads in a scene (for its reading time). */
export function sceneText(content: SceneContent): string {
  const { title, text, items, value, prefix, suffix, label, chart, quote, attribution, left, right } = content;
  const parts = [title, text, ...(items ?? []), value === undefined ? undefined : `${prefix ?? ''}${value}${suffix ?? ''}`, label, ...(chart ? chart.labels : []), quote, attribution];
  for (const side of [left, right]) if (side) parts.push(side.heading, ...side.items);
  return parts.filter((p): p is string => !!p).join(' ');
}

interface SceneOptions {
  transition?: SceneSpec['transition'];
  animation?: SceneSpec['animation'];
  durationSeconds?: number;
}

/** A planned scene: reading time as ever, but never shorter than its builds need (entrances, then 1.5 s to read, then the transition). */
function planned(kind: PlannedSceneKind, draft: Draft, options: SceneOptions = {}): PlannedScene {
  const transition = options.transition ?? DEFAULT_TRANSITION;
  const animation = options.animation ?? 'auto';
  const durationSeconds =
    options.durationSeconds ?? Math.min(SCENE_LIMITS.sceneSecondsMax, Math.max(readingSeconds(sceneText(draft.content)), buildSeconds(draft.layout, draft.content, animation, transition)));
  return { kind, layout: draft.layout, content: draft.content, durationSeconds, transition, animation };
}

/** A client's scene → its layout and only that layout's content, trimmed, empty optional strings dropped. */
export function normaliseScene(spec: SceneSpec): Draft {
  const layout: Layout = spec.layout ?? (spec.text?.trim() ? 'text' : 'title');
  const { required, optional } = LAYOUT_FIELDS[layout];
  const content: Record<string, unknown> = {};
  for (const field of [...required, ...optional]) {
    const value = spec[field];
    if (value === undefined) continue;
    if (typeof value === 'string') {
      if (value.trim()) content[field] = value.trim();
    } else if (field === 'items' && Array.isArray(value)) {
      content[field] = (value as string[]).map((i) => i.trim());
    } else if (field === 'chart' && spec.chart) {
      const { type, labels, values, unit } = spec.chart;
      content.chart = { type, labels: labels.map((l) => l.trim()), values: [...values], ...(unit?.trim() ? { unit: unit.trim() } : {}) };
    } else if ((field === 'left' || field === 'right') && spec[field]) {
      const side = spec[field]!;
      content[field] = { heading: side.heading.trim(), items: side.items.map((i) => i.trim()) };
    } else {
      content[field] = value;
    }
  }
  return { layout, content: content as SceneContent };
}

/** The title scene of a topic: a topic longer than a title allows is shortened there and shown whole below. */
function titleDraft(topic: string, layout: 'title' | 'closing', text?: string): Draft {
  const whole = clean(topic);
  const title = shorten(whole, SCENE_LIMITS.title);
  const body = text ?? (title === whole ? undefined : whole);
  return { layout, content: { title, ...(body ? { text: body } : {}) } };
}

export type PlanInput = Pick<JobConfiguration, 'topic' | 'context' | 'scenes' | 'planner_hints'>;

/**
 * The deterministic built-in planner. Explicit scenes: normalised, in order.
 * Otherwise a title scene, then per paragraph (in this precedence): list lines,
 * numbered runs and "first … then … finally" → steps or bullets; two or more
 * labelled numbers → chart; a sentence led by a number → stat; a sentence
 * listing 3+ items → bullets; a quoted sentence → quote; the rest → text
 * (icon_text on a keyword); and a closing scene.
 */
export function planScenes(configuration: PlanInput): PlannedScene[] {
  const { topic, context, scenes } = configuration;
  if (scenes && scenes.length > 0) {
    return scenes.map((spec) => planned('explicit', normaliseScene(spec), { transition: spec.transition, animation: spec.animation, durationSeconds: spec.duration_seconds }));
  }
  const scenesOfTopic = [
    planned('title', titleDraft(topic, 'title')),
    ...paragraphsOf(context)
      .flatMap(planParagraph)
      .map((d) => planned('content', d)),
    planned('closing', titleDraft(topic, 'closing', closingTextFor(configuration.planner_hints?.language))),
  ];
  const target = configuration.planner_hints?.target_seconds;
  return target ? fitToTarget(scenesOfTopic, target) : scenesOfTopic;
}

/**
 * planner_hints.target_seconds, as far as the rules planner can honour it: every scene's
 * length scaled by one factor, never below what its builds need (nor 3 s) and never above
 * the 60 s scene limit, in half seconds. A topic with little context cannot reach a long
 * target, and a long context cannot be squeezed below its builds: the result is the
 * nearest it gets, not the target.
 */
export function fitToTarget(scenes: readonly PlannedScene[], targetSeconds: number): PlannedScene[] {
  const total = scenes.reduce((sum, s) => sum + s.durationSeconds, 0);
  if (total <= 0) return [...scenes];
  const factor = targetSeconds / total;
  return scenes.map((s) => {
    const floor = Math.max(MIN_SCENE_SECONDS, buildSeconds(s.layout, s.content, s.animation, s.transition));
    const scaled = Math.min(SCENE_LIMITS.sceneSecondsMax, Math.max(floor, s.durationSeconds * factor));
    return { ...s, durationSeconds: Math.min(SCENE_LIMITS.sceneSecondsMax, Math.round(scaled * 2) / 2) };
  });
}
