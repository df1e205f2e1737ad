import { planScenes, rulesPlan, type PlanResult } from '@vidgen/core';
import { EVAL_TOPICS, scorePlan, textsOverLimits } from '@vidgen/planner';

const asLlm = (r: PlanResult): PlanResult => ({ ...r, report: { ...r.report, planner: 'llm', model: 'm' } });

describe('planner:eval scores', () => {
  it('has 10 fixed topics', () => {
    expect(EVAL_TOPICS).toHaveLength(10);
  });

  it('a fallback is not valid; a plan off its target by more than a quarter is not within length', () => {
    const t = { topic: 'Water', context: 'Water evaporates. Clouds form. Rain falls.', target_seconds: 100 };
    const rules = rulesPlan({ topic: t.topic, context: t.context });
    const s = scorePlan(t, { ...rules, report: { ...rules.report, fallback: true, model: 'm' } }, 600);
    expect(s).toMatchObject({ valid: false, withinLength: false });
    const fitted = asLlm(rulesPlan({ topic: t.topic, context: t.context, hints: { target_seconds: 100 } }));
    expect(scorePlan(t, fitted, 600)).toMatchObject({ valid: true, withinLength: true });
    expect(scorePlan(t, fitted, 50).withinLength).toBe(false);
  });

  it('layouts vary with 3+ layouts and none in more than half the scenes', () => {
    const plain = asLlm(rulesPlan({ topic: 'T', scenes: [{ text: 'a' }, { text: 'b' }, { text: 'c' }, { layout: 'title', title: 'x' }] }));
    expect(scorePlan({ topic: 'T', context: '' }, plain, 600)).toMatchObject({ distinctLayouts: 2, layoutsVaried: false });
  });

  it('counts texts over their limit and fields the layout does not draw', () => {
    const [scene] = planScenes({ topic: 'T', scenes: [{ layout: 'bullets', items: ['ok'] }] });
    expect(textsOverLimits(scene!)).toBe(0);
    expect(textsOverLimits({ ...scene!, content: { items: ['x'.repeat(65)], quote: 'stray' } })).toBe(2);
  });
});
