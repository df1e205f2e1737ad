import { LAYOUT_FIELDS, SCENE_LIMITS, type PlanResult, type PlannedScene } from '@vidgen/core';

/**
 * How `pnpm planner:eval` scores one plan. Pure: the CLI runs the planner, this judges it.
 * What a reviewer would check first: the model's plan was used (not the rules planner's),
 * the video fits the length bound (and the target, when one was given), the layouts vary,
 * and no text is longer than its layout draws.
 */
export interface EvalTopic {
  topic: string;
  context: string;
  target_seconds?: number;
}

export interface PlanScore {
  topic: string;
  /** The model's plan was used: valid JSON, valid scenes, within bounds after at most one repair and one shortening round. */
  valid: boolean;
  seconds: number;
  /** Within MAX_VIDEO_SECONDS, and within ±25% of target_seconds when there is one. */
  withinLength: boolean;
  scenes: number;
  distinctLayouts: number;
  /** At least 3 layouts, and no layout in more than half of the scenes. */
  layoutsVaried: boolean;
  /** Texts longer than SCENE_LIMITS allows (0 for any plan that passed the schema). */
  textOverLimits: number;
  latencyMs: number;
  tokensIn: number;
  tokensOut: number;
  warning?: string;
}

const TEXT_LIMITS: Record<string, number> = { title: SCENE_LIMITS.title, text: SCENE_LIMITS.text, label: SCENE_LIMITS.label, quote: SCENE_LIMITS.quote, attribution: SCENE_LIMITS.attribution };

/** Texts of a scene over their limit (characters as the schema counts them). */
export function textsOverLimits(scene: PlannedScene): number {
  const c = scene.content;
  let over = 0;
  for (const [field, max] of Object.entries(TEXT_LIMITS)) {
    const v = (c as Record<string, unknown>)[field];
    if (typeof v === 'string' && v.length > max) over++;
  }
  for (const item of c.items ?? []) if (item.length > SCENE_LIMITS.item) over++;
  for (const side of [c.left, c.right]) {
    if (!side) continue;
    if (side.heading.length > SCENE_LIMITS.comparisonHeading) over++;
    for (const item of side.items) if (item.length > SCENE_LIMITS.comparisonItem) over++;
  }
  for (const label of c.chart?.labels ?? []) if (label.length > SCENE_LIMITS.chartLabel) over++;
  // A field the layout does not draw is text over its limit too: it would be lost.
  const allowed = new Set<string>([...LAYOUT_FIELDS[scene.layout].required, ...LAYOUT_FIELDS[scene.layout].optional]);
  for (const field of Object.keys(c)) if (!allowed.has(field)) over++;
  return over;
}

export function scorePlan(topic: EvalTopic, result: PlanResult, maxVideoSeconds: number): PlanScore {
  const { scenes, report, warnings } = result;
  const seconds = scenes.reduce((sum, s) => sum + s.durationSeconds, 0);
  const counts = new Map<string, number>();
  for (const s of scenes) counts.set(s.layout, (counts.get(s.layout) ?? 0) + 1);
  const most = Math.max(0, ...counts.values());
  const target = topic.target_seconds;
  return {
    topic: topic.topic,
    valid: report.planner === 'llm' && !report.fallback,
    seconds,
    withinLength: seconds <= maxVideoSeconds && (target === undefined || Math.abs(seconds - target) <= target * 0.25),
    scenes: scenes.length,
    distinctLayouts: counts.size,
    layoutsVaried: counts.size >= 3 && most <= Math.ceil(scenes.length / 2),
    textOverLimits: scenes.reduce((n, s) => n + textsOverLimits(s), 0),
    latencyMs: report.latency_ms,
    tokensIn: report.tokens_in,
    tokensOut: report.tokens_out,
    ...(warnings[0] ? { warning: warnings[0].message } : {}),
  };
}

/** The fixed set: varied material (numbers, steps, comparisons, quotes, another language, a target length). */
export const EVAL_TOPICS: readonly EvalTopic[] = [
  { topic: 'How tides work', context: 'The moon pulls the oceans toward it. Two bulges of water circle the earth as it turns. Most coasts see two high tides and two low tides a day. The sun adds spring and neap tides.' },
  { topic: 'Brewing pour-over coffee', context: 'First, heat water to 94 degrees. Then rinse the filter and add 15 grams of ground coffee. Pour 50 grams of water and wait 30 seconds. Finally, pour the rest slowly in circles.' },
  { topic: 'Solar versus wind power', context: 'Solar panels work best in sunny, dry places and produce power during the day. Wind turbines work day and night where wind is steady. Solar is 12% of the mix here, wind 9%, hydro 16%.' },
  { topic: 'Why the sky is blue', context: 'Sunlight contains every colour. Air molecules scatter short wavelengths more than long ones. Blue light is scattered across the sky, so we see blue in every direction. At sunset light travels further and reds remain.' },
  { topic: 'Password hygiene', context: 'Use a password manager. Make every password unique and long. Turn on two-factor authentication. "Security is a process, not a product," as Bruce Schneier wrote.' },
  { topic: 'The water cycle', context: 'Water evaporates from oceans and lakes. Vapour cools and condenses into clouds. Rain and snow fall back to the ground. Rivers carry water back to the sea.', target_seconds: 40 },
  { topic: 'Onboarding a new engineer', context: 'Day one: accounts, laptop, and a buddy. Week one: a small bug fix shipped to production. Month one: own a feature end to end. 87% of new hires who ship in week one stay past a year.' },
  { topic: 'Comment fonctionne la photosynthèse', context: 'Les plantes captent la lumière du soleil. Elles absorbent le dioxyde de carbone et l’eau. Elles produisent du glucose et libèrent de l’oxygène.' },
  { topic: 'Caching in web applications', context: 'A cache keeps answers close to where they are needed. Browser caches, CDNs and application caches each save a round trip. Invalidation is the hard part: stale data misleads users.', target_seconds: 60 },
  { topic: 'A short history of the bicycle', context: 'The draisine of 1817 had no pedals. Pedals arrived in the 1860s on the front wheel. The safety bicycle of 1885 brought chain drive and equal wheels. Pneumatic tyres followed in 1888.' },
];
