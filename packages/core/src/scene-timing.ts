import { BUILD_STAGGER_SECONDS, COUNT_UP_SECONDS, ENTRANCE_SECONDS, TRANSITION_SECONDS, type Animation, type Layout, type SceneContent, type SceneTimeline, type Transition } from './scene-model';

/**
 * When a scene's elements enter, from its layout and content alone: the
 * title at 0, the body once the title has entered, built items one stagger
 * apart from the body on. Shared by the planner (a scene lasts at least as
 * long as its builds need) and buildRenderPlan (the timelines it hands the
 * renderer), so the two never disagree.
 */

/** After the last entrance, time to read what was built before the scene moves on. */
export const READ_AFTER_BUILD_SECONDS = 1.5;

/** The built elements of a scene, in entrance order. */
export function builtItemCount(layout: Layout, content: SceneContent): number {
  switch (layout) {
    case 'bullets':
    case 'steps':
      return content.items?.length ?? 0;
    case 'chart':
      return content.chart?.values.length ?? 0;
    case 'comparison':
      return (content.left?.items.length ?? 0) + (content.right?.items.length ?? 0);
    default:
      return 0;
  }
}

/** Entrance start times in seconds from the scene's start (all 0 with animation 'none'). */
export function sceneTimeline(layout: Layout, content: SceneContent, animation: Animation): SceneTimeline {
  const count = builtItemCount(layout, content);
  if (animation === 'none') return { title: 0, body: 0, items: new Array<number>(count).fill(0) };
  // A title enters first (in the title and closing layouts it is the main element); the rest follows it.
  // A title or closing scene without text has no body: nothing waits for it.
  const bodiless = (layout === 'title' || layout === 'closing') && !content.text;
  const body = content.title && !bodiless ? ENTRANCE_SECONDS : 0;
  return { title: 0, body: round3(body), items: Array.from({ length: count }, (_, i) => round3(body + i * BUILD_STAGGER_SECONDS)) };
}

/** When the last movement of a timeline ends (a stat's count-up included). */
export function timelineEndSeconds(layout: Layout, timeline: SceneTimeline, animation: Animation): number {
  if (animation === 'none') return 0;
  const last = Math.max(timeline.title, timeline.body, ...timeline.items);
  if (layout !== 'stat') return last + ENTRANCE_SECONDS;
  return Math.max(last + ENTRANCE_SECONDS, timeline.body + (timeline.countSeconds ?? COUNT_UP_SECONDS));
}

/** The shortest a scene may last so its builds finish, can be read and then leave: in half seconds, rounded up. */
export function buildSeconds(layout: Layout, content: SceneContent, animation: Animation, transition: Transition): number {
  const end = timelineEndSeconds(layout, sceneTimeline(layout, content, animation), animation);
  const raw = end + READ_AFTER_BUILD_SECONDS + (transition === 'cut' ? 0 : TRANSITION_SECONDS);
  return Math.ceil(raw * 2 - 1e-9) / 2;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
