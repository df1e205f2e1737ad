import { loadConfig } from '@vidgen/config';
import { fakeScenePlan, startFakeLlm, type FakeLlm } from '../fake-server';
import { EVAL_TOPICS, scorePlan, type PlanScore } from '../eval';
import { LlmPlanner } from '../llm-planner';

/**
 * pnpm planner:eval: the 10 fixed topics through the configured planner (PLANNER=llm with
 * LLM_BASE_URL, LLM_MODEL, …), each plan scored. No cache: every topic asks the model.
 * Without an endpoint configured it runs against the local fake server and says so: the
 * scores then check this harness and the planner's handling, not any model.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  let fake: FakeLlm | null = null;
  let llm = config.planner.llm;
  if (!llm) {
    // The fake answers each topic with a plan titled after it; one topic first gets a broken answer, to show a repair round.
    fake = await startFakeLlm((req, i) => {
      const topic = String(JSON.parse(req.body.messages?.[1]?.content ?? '{}').topic ?? 'Topic');
      if (i === 0) return { content: '{"scenes": [' };
      return { json: fakeScenePlan([topic.slice(0, 90), 'What it is', 'How it works', 'In numbers', 'In practice', 'Recap']) };
    });
    llm = { baseUrl: fake.baseUrl, model: 'local-fake', timeoutMs: 5000, maxTokens: 4096, fallback: true, cacheTtlSeconds: 0 };
    console.log('No language model is configured (PLANNER=llm with LLM_BASE_URL and LLM_MODEL): evaluating against the local fake server.');
    console.log('These scores check the harness and the planner\'s handling, not a model.\n');
  } else {
    console.log(`Evaluating ${llm.model} at ${llm.baseUrl} (${EVAL_TOPICS.length} topics, no cache).\n`);
  }
  const { fallback, cacheTtlSeconds: _ttl, ...endpoint } = llm;
  const planner = new LlmPlanner({ endpoint, fallback, maxVideoSeconds: config.limits.maxVideoSeconds });
  const scores: PlanScore[] = [];
  try {
    for (const t of EVAL_TOPICS) {
      const result = await planner.plan({ topic: t.topic, context: t.context, hints: t.target_seconds ? { target_seconds: t.target_seconds } : undefined });
      scores.push(scorePlan(t, result, config.limits.maxVideoSeconds));
    }
  } finally {
    await fake?.close();
  }
  const yes = (b: boolean) => (b ? 'yes' : 'NO');
  console.log('| topic | valid | seconds | within length | scenes | layouts | varied | text over limits | latency ms | tokens in/out |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of scores) {
    console.log(`| ${s.topic} | ${yes(s.valid)} | ${s.seconds} | ${yes(s.withinLength)} | ${s.scenes} | ${s.distinctLayouts} | ${yes(s.layoutsVaried)} | ${s.textOverLimits} | ${s.latencyMs} | ${s.tokensIn}/${s.tokensOut} |`);
  }
  const share = (f: (s: PlanScore) => boolean) => `${scores.filter(f).length}/${scores.length}`;
  console.log(`\nvalid ${share((s) => s.valid)}, within length ${share((s) => s.withinLength)}, layouts varied ${share((s) => s.layoutsVaried)}, no text over limits ${share((s) => s.textOverLimits === 0)}`);
  for (const s of scores.filter((x) => x.warning)) console.log(`- ${s.topic}: ${s.warning}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
