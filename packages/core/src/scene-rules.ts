import { SCENE_LIMITS, type ChartSpec, type ChartType, type SceneContent } from './scene-model';

/**
 * The built-in planner's detectors: each looks at a piece of plain text and
 * either recognises one layout's content in it or returns null. Pure and
 * deterministic; storyboard.ts applies them in order of precedence (steps,
 * chart, stat, bullets, quote, text). Every string they return is whitespace
 * collapsed and within SCENE_LIMITS, so what they produce passes the same
 * schema as a client's scenes.
 */

/** One line: runs of white space (tabs, newlines) become one space. */
export function clean(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function chars(text: string): number {
  return [...text].length;
}

function words(text: string): number {
  return text.split(' ').filter(Boolean).length;
}

function capitalise(text: string): string {
  const [first = '', ...rest] = [...text];
  return first.toLocaleUpperCase() + rest.join('');
}

/** Drops one trailing full stop, colon or semicolon (items and labels read better without). */
function unstop(text: string): string {
  return text.replace(/[.:;,]+$/u, '').trim();
}

/** Shortens to at most `max` characters at a word boundary, marking the cut with an ellipsis. */
export function shorten(text: string, max: number): string {
  const t = clean(text);
  if (chars(t) <= max) return t;
  const cut = [...t].slice(0, max - 1).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > 0 ? cut.slice(0, space) : cut).replace(/[\s,;:.—–-]+$/u, '')}…`;
}

// ---------------------------------------------------------------- numbers

/** A number as written: optional currency, digits (thousands commas allowed), decimals, optional unit. */
const NUMBER = /([$€£¥])?(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(\s?%|\s(?:percent|per cent)\b|\s(?:thousand|million|billion|trillion)\b)?/giu;

interface NumberToken {
  index: number;
  end: number;
  value: number;
  prefix: string;
  suffix: string;
  /** A bare four-digit year (1000–2100): a label, not a quantity. */
  year: boolean;
}

function numbersIn(text: string): NumberToken[] {
  const out: NumberToken[] = [];
  for (const m of text.matchAll(NUMBER)) {
    const index = m.index ?? 0;
    const end = index + m[0].length;
    // Part of a word or a code ("5G", "A4", "COVID-19"): not a quantity.
    // Part of a word, a code or a compound ("5G", "COVID-19", "13-inch"): not a quantity.
    if (/[\p{L}\d-]/u.test(text[index - 1] ?? '') || /[\p{L}-]/u.test(text[end] ?? '')) continue;
    const value = Number(m[2]!.replace(/,/g, ''));
    if (!Number.isFinite(value) || Math.abs(value) > SCENE_LIMITS.absNumberMax) continue;
    const unit = (m[3] ?? '').trim().toLowerCase();
    const suffix = unit === '' ? '' : unit === '%' || unit === 'percent' || unit === 'per cent' ? '%' : ` ${unit}`;
    const prefix = m[1] ?? '';
    const year = !prefix && !suffix && /^\d{4}$/.test(m[2]!) && value >= 1000 && value <= 2100;
    out.push({ index, end, value, prefix, suffix, year });
  }
  return out;
}

// ---------------------------------------------------------------- stat

/** A sentence led by a number or percentage: "73% of adults own a smartphone." */
export function detectStat(sentence: string): SceneContent | null {
  const s = clean(sentence);
  const [first] = numbersIn(s);
  if (!first || first.index !== 0 || first.year) return null;
  const label = unstop(s.slice(first.end).replace(/^[\s,:—–-]+/u, ''));
  if (chars(first.prefix) > SCENE_LIMITS.prefix || chars(first.suffix) > SCENE_LIMITS.suffix) return null;
  return {
    value: first.value,
    ...(first.prefix ? { prefix: first.prefix } : {}),
    ...(first.suffix ? { suffix: first.suffix } : {}),
    ...(label ? { label: shorten(label, SCENE_LIMITS.label) } : {}),
  };
}

// ---------------------------------------------------------------- chart

/** Words that are not part of a chart label ("coal still generated 36%" → "Coal"). */
const LABEL_FILLER = new Set(
  (
    'a an and or the of for in on at by to from with while whereas but than its their our his her ' +
    'is are was were be been has had have about around nearly almost roughly over under some just only still more less up down ' +
    'reached rose fell grew dropped generated produced supplied provided accounted made makes make costs cost sells sold weighs scored scores takes took earned earns got gets'
  ).split(' '),
);

interface ChartPoint {
  label: string;
  token: NumberToken;
  /** Where the label sat: before the number ("Solar 12%") or after it ("36% coal"). */
  side: 'before' | 'after' | 'year';
}

/** Up to three words next to the number, skipping filler next to it and stopping at the next filler word. */
function nearWords(words: string[]): string[] | null {
  const picked: string[] = [];
  let i = 0;
  while (i < words.length && LABEL_FILLER.has(words[i]!.toLowerCase())) i++;
  for (; i < words.length && picked.length < 3 && !LABEL_FILLER.has(words[i]!.toLowerCase()); i++) picked.push(words[i]!);
  return picked.length === 0 ? null : picked;
}

function labelFrom(words: string[] | null): string | null {
  if (!words) return null;
  const label = capitalise(words.join(' '));
  return chars(label) <= SCENE_LIMITS.chartLabel ? label : null;
}

function wordsOf(text: string): string[] {
  return clean(text.replace(/[()"“”:;.,]/gu, ' '))
    .split(' ')
    .filter(Boolean);
}

/** The labelled number of one segment: by its year (byYear), else by the words next to it. */
function pointOf(segment: string, byYear: boolean): ChartPoint | null {
  const tokens = numbersIn(segment);
  const amounts = tokens.filter((t) => !t.year);
  if (amounts.length !== 1) return null;
  const token = amounts[0]!;
  const years = tokens.filter((t) => t.year);
  if (byYear) return years.length === 1 ? { label: String(years[0]!.value), token, side: 'year' } : null;
  const before = labelFrom(nearWords(wordsOf(segment.slice(0, token.index)).reverse())?.reverse() ?? null);
  if (before) return { label: before, token, side: 'before' };
  const after = labelFrom(nearWords(wordsOf(segment.slice(token.end))));
  return after ? { label: after, token, side: 'after' } : null;
}

/**
 * Two or more labelled numbers with one unit: "Solar 12%, wind 9%, hydro 16%"
 * → a chart. When every point sits next to a year, the years are the labels
 * ("$120 million in 2021 to $180 million in 2022" → a line chart).
 */
export function detectChart(sentence: string): SceneContent | null {
  let s = unstop(clean(sentence));
  let title = '';
  const colon = s.indexOf(': ');
  if (colon > 0) {
    title = s.slice(0, colon);
    s = s.slice(colon + 2);
  }
  const segments = s.split(/\s*[,;]\s+|\s+(?:and|while|whereas|versus|vs\.?|compared (?:with|to))\s+|\s+(?:to|from)\s+(?=[$€£¥]?\d)/iu).filter(Boolean);
  // Years label the points only when every point has one; otherwise a year is just a date in a segment.
  const byYear = segments.filter((seg) => numbersIn(seg).some((t) => !t.year)).map((seg) => pointOf(seg, true));
  const points = (byYear.every((p) => p !== null) ? byYear : segments.map((seg) => pointOf(seg, false))).filter((p): p is ChartPoint => p !== null);
  if (points.length < SCENE_LIMITS.chartPointsMin || points.length > SCENE_LIMITS.chartPointsMax) return null;
  // One kind of label throughout: "Both have a 13-inch screen, 16 GB…" mixes sides and is no chart.
  if (new Set(points.map((p) => p.side)).size !== 1) return null;
  const { prefix, suffix } = points[0]!.token;
  if (!points.every((p) => p.token.prefix === prefix && p.token.suffix === suffix)) return null;
  if (new Set(points.map((p) => p.label.toLowerCase())).size !== points.length) return null;
  const labels = points.map((p) => p.label);
  const values = points.map((p) => p.token.value);
  const unit = clean(`${prefix} ${suffix}`);
  const sum = values.reduce((a, b) => a + b, 0);
  const type: ChartType = points[0]!.side === 'year' ? 'line' : suffix === '%' && values.length >= 3 && sum >= 95 && sum <= 105 ? 'pie' : 'bar';
  const chart: ChartSpec = { type, labels, values, ...(unit && chars(unit) <= SCENE_LIMITS.chartUnit ? { unit } : {}) };
  return { ...(title && chars(title) <= SCENE_LIMITS.title ? { title: capitalise(title) } : {}), chart };
}

// ---------------------------------------------------------------- bullets

/** A sentence's opening word that marks a clause, not a list item ("However, …"). */
const DISCOURSE = /^(however|but|so|yet|still|meanwhile|therefore|thus|also|then|today|now|instead|moreover|furthermore|in|on|at|when|while|if|after|before|because|although|though)\b/iu;
const LIST_CUE = /^(.*?\b(?:include|includes|included|including|are|were|such as|like|need|needs|contains|contain|offers|offer|features|covers|cover|have|has)):?\s+(.+)$/iu;
const ITEM_MAX_WORDS = 6;

/** A sentence listing three or more comma-separated items: "You will need flour, sugar, eggs and butter." */
export function detectSentenceList(sentence: string): SceneContent | null {
  const body = unstop(clean(sentence));
  let lead = '';
  let list = body;
  const colon = body.indexOf(': ');
  if (colon > 0) {
    lead = body.slice(0, colon);
    list = body.slice(colon + 2);
  } else {
    const cue = LIST_CUE.exec(body);
    if (cue) {
      lead = cue[1]!;
      list = cue[2]!;
    }
  }
  const parts = list.split(/,\s+/u);
  if (parts.length < 2) return null;
  const last = parts.pop()!;
  const tail = /^(?:(?:and|or)\s+)?(.*?)(?:\s+(?:and|or)\s+(.+))?$/iu.exec(last)!;
  const startsWithConjunction = /^(?:and|or)\s/iu.test(last);
  const finals = startsWithConjunction ? [tail[1]!, ...(tail[2] ? [tail[2]] : [])] : tail[2] ? [tail[1]!, tail[2]] : null;
  if (!finals) return null; // no "and"/"or" before the last item: a run of clauses, not a list
  const items = [...parts, ...finals].map((i) => clean(i)).filter(Boolean);
  if (items.length < 3 || items.length > SCENE_LIMITS.itemsMax) return null;
  if (items.some((i) => words(i) > ITEM_MAX_WORDS || chars(i) > SCENE_LIMITS.item || DISCOURSE.test(i))) return null;
  if (chars(lead) > SCENE_LIMITS.title) return null;
  return { ...(lead ? { title: capitalise(lead) } : {}), items: items.map(capitalise) };
}

/** A list line: "- item", "* item", "• item". */
export const BULLET_LINE = /^[-*•]\s+(.+)$/u;
/** A numbered line: "1. item", "2) item". */
export const NUMBERED_LINE = /^(\d{1,2})[.)]\s+(.+)$/u;

// ---------------------------------------------------------------- steps

const FIRST = /^(?:first(?:ly)?(?: of all)?|to (?:begin|start)(?: with)?|start by|begin by)\b[,:]?\s*/iu;
const NEXT = /^(?:then|next|after that|afterwards|second(?:ly)?|third(?:ly)?|fourth(?:ly)?)\b[,:]?\s*/iu;
const LAST = /^(?:finally|lastly|last of all)\b[,:]?\s*/iu;
const THEN_LIKE = /^(?:then|next|after that|afterwards)\b/iu;
const ORDINAL3 = /^third(?:ly)?\b/iu;
/** Inside one sentence: "First mix, then stir, and finally bake." */
const INLINE_MARKER = /,?\s+(?:and\s+)?(?=(?:then|next|after that|finally|lastly)\b)/iu;

function stepItem(text: string): string {
  return capitalise(unstop(clean(text.replace(FIRST, '').replace(NEXT, '').replace(LAST, ''))));
}

/**
 * "first … then … finally" in consecutive sentences: the range of sentences
 * it covers (from the "first" sentence to the "finally" one, or else the last
 * "then"), or null. A lone "First" with no follow-up marker is not a sequence.
 */
export function findSequence(sentences: readonly string[]): { from: number; to: number; items: string[] } | null {
  for (let from = 0; from < sentences.length; from++) {
    if (!FIRST.test(sentences[from]!)) continue;
    const clauses = sentences[from]!.split(INLINE_MARKER);
    let to = -1;
    let thenLike = clauses.length > 1;
    let ordinals = 0;
    let closed = clauses.length > 1 && LAST.test(clauses[clauses.length - 1]!);
    for (let j = from + 1; j < sentences.length && !closed; j++) {
      const s = sentences[j]!;
      if (FIRST.test(s)) break;
      if (LAST.test(s)) {
        to = j;
        closed = true;
      } else if (NEXT.test(s)) {
        to = j;
        if (THEN_LIKE.test(s)) thenLike = true;
        if (ORDINAL3.test(s)) ordinals++;
      }
    }
    if (to < 0) to = from;
    if (!(thenLike || closed || ordinals > 0)) continue;
    const items = sentences
      .slice(from, to + 1)
      .flatMap((s) => s.split(INLINE_MARKER))
      .map(stepItem)
      .filter(Boolean);
    if (items.length < 2) continue;
    return { from, to, items };
  }
  return null;
}

/** "1. … 2. … 3. …" or "Step 1: … Step 2: …" inside running text: the lead before it and the items. */
export function detectNumberedRun(paragraph: string): { lead: string; items: string[] } | null {
  const text = clean(paragraph);
  for (const marker of [/(?:^|\s)(\d{1,2})[.)]\s+/gu, /(?:^|\s)step\s+(\d{1,2})\s*[:.)—–-]\s*/giu]) {
    const found = [...text.matchAll(marker)];
    // The run starts at 1 and counts up by one; anything else ("in 2 days, 3 times") is not a list.
    const run: RegExpMatchArray[] = [];
    for (const m of found) {
      if (Number(m[1]) === run.length + 1) run.push(m);
      else if (run.length >= 2) break;
    }
    if (run.length < 2) continue;
    const items = run.map((m, i) => clean(text.slice((m.index ?? 0) + m[0].length, i + 1 < run.length ? run[i + 1]!.index : undefined)));
    return { lead: clean(text.slice(0, run[0]!.index)), items: items.map((i) => capitalise(unstop(i))) };
  }
  return null;
}

// ---------------------------------------------------------------- quote

const NAME = String.raw`\p{Lu}[\p{L}.'’-]*(?:\s+\p{Lu}[\p{L}.'’-]*){0,3}`;
const SAID = String.raw`(?:said|says|wrote|writes|added|explained|noted)`;

export interface QuoteMatch {
  before: string;
  quote: string;
  attribution: string;
  after: string;
}

/**
 * A quoted sentence of four or more words ("…" or “…”), with its
 * attribution when "— Name", "said Name" or "Name said" sits next to it.
 * Scare quotes around a word or two are not quotes.
 */
export function findQuote(paragraph: string): QuoteMatch | null {
  const text = clean(paragraph);
  for (const m of text.matchAll(/“([^”]+)”|"([^"]+)"/gu)) {
    // The quote keeps its own punctuation; a comma before "said" is the sentence's, not the speaker's.
    const quote = clean(m[1] ?? m[2] ?? '').replace(/,$/u, '');
    if (words(quote) < 4) continue;
    let before = text.slice(0, m.index);
    let after = text.slice((m.index ?? 0) + m[0].length);
    let attribution = '';
    const dash = /^\s*(?:[—–]|--?)\s*([^.;!?]+)[.;!?]?/u.exec(after);
    const saidName = new RegExp(String.raw`^\s*,?\s*${SAID}\s+([^.;!?,]+)[.;!?,]?`, 'u').exec(after);
    // "Name said", "the CEO said on Monday": the rest of that sentence goes with the attribution.
    const nameSaid = new RegExp(String.raw`^\s*,?\s*((?:the\s+)?${NAME}|the\s+\p{L}+)\s+${SAID}\b[^.;!?]*[.;!?]?`, 'u').exec(after);
    const leadIn = new RegExp(String.raw`(${NAME})\s+${SAID}[,:]?\s*$`, 'u').exec(before);
    const hit = dash ?? saidName ?? nameSaid;
    if (hit) {
      attribution = hit[1]!;
      after = after.slice(hit[0].length);
    } else if (leadIn) {
      attribution = leadIn[1]!;
      before = before.slice(0, leadIn.index);
    }
    // "As Einstein said": the capitalised opener is not part of the name.
    attribution = capitalise(unstop(clean(attribution)).replace(/^(?:as|and|but|so|when|once|then)\s+/iu, ''));
    // Without an attribution, only a quote that stands as its own sentence.
    if (!attribution && !(before.trim() === '' || /[.!?…]\s*$/u.test(before))) continue;
    if (chars(quote) > SCENE_LIMITS.quote || chars(attribution) > SCENE_LIMITS.attribution) continue;
    return { before: clean(before), quote, attribution, after: clean(after.replace(/^[\s.,;]+/u, '')) };
  }
  return null;
}

// ---------------------------------------------------------------- icons

/**
 * Keyword → icon (lucide names; a test checks each exists in the bundled set).
 * A text scene whose words include one of these becomes icon_text.
 */
export const ICON_KEYWORDS: ReadonlyArray<{ icon: string; words: readonly string[] }> = Object.freeze([
  { icon: 'banknote', words: ['money', 'cash', 'price', 'prices', 'cost', 'costs', 'budget', 'salary', 'salaries', 'revenue', 'profit', 'profits', 'invest', 'investment', 'investors'] },
  { icon: 'dollar-sign', words: ['dollar', 'dollars'] },
  { icon: 'clock', words: ['time', 'hour', 'hours', 'minute', 'minutes', 'clock', 'schedule', 'deadline'] },
  { icon: 'shield', words: ['security', 'secure', 'safety', 'safe', 'protect', 'protection', 'privacy', 'password', 'passwords'] },
  { icon: 'lightbulb', words: ['idea', 'ideas', 'insight', 'creative', 'creativity', 'invention', 'invented'] },
  { icon: 'trending-up', words: ['growth', 'grow', 'grows', 'grew', 'increase', 'increased', 'rising'] },
  { icon: 'globe', words: ['world', 'global', 'globe', 'international', 'planet', 'earth'] },
  { icon: 'database', words: ['data', 'database', 'databases', 'records'] },
  { icon: 'zap', words: ['energy', 'electricity', 'electric', 'power', 'battery', 'batteries'] },
  { icon: 'heart-pulse', words: ['health', 'healthy', 'medical', 'medicine', 'doctor', 'doctors', 'patient', 'patients', 'hospital'] },
  { icon: 'flask-conical', words: ['science', 'scientist', 'scientists', 'experiment', 'experiments', 'laboratory', 'chemistry', 'research'] },
  { icon: 'graduation-cap', words: ['learn', 'learning', 'school', 'students', 'education', 'teacher', 'teachers'] },
  { icon: 'utensils', words: ['food', 'cook', 'cooking', 'recipe', 'meal', 'kitchen'] },
]);

const KEYWORD_ICON = new Map(ICON_KEYWORDS.flatMap(({ icon, words }) => words.map((w) => [w, icon] as const)));

/** The icon of the earliest keyword in the text, or null. */
export function iconFor(text: string): string | null {
  for (const word of text.toLowerCase().split(/[^\p{L}\p{N}-]+/u)) {
    const icon = KEYWORD_ICON.get(word);
    if (icon) return icon;
  }
  return null;
}
