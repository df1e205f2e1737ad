import Redis from 'ioredis';
import { VidgenError, planScenes, plannedVideoSeconds } from '@vidgen/core';
import { SHARED_REDIS_URL, deleteKeysAt, uniqueName } from '@vidgen/testing';
import { LlmPlanner, RedisPlanCache, fakeScenePlan, parseModelPlan, startFakeLlm, type FakeLlm, type FakeLlmReply, type LlmPlannerOptions, type PlannerObserver } from '@vidgen/planner';

const TOPIC = 'How tides work';
const CONTEXT = 'The moon pulls the oceans. Two bulges follow it around the earth. Most coasts see two high tides a day.';
const TITLES = ['Tides explained', 'The moon pulls', 'Two bulges', 'Twice a day', 'That is the tide'];
const GOOD: FakeLlmReply = { json: fakeScenePlan(TITLES) };

let fake: FakeLlm | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

function observer() {
  const calls: string[] = [];
  const planned: string[] = [];
  const o: PlannerObserver = {
    call: (model, outcome) => calls.push(`${model}:${outcome}`),
    planned: (model, result) => planned.push(`${model}:${result}`),
  };
  return { o, calls, planned };
}

async function planner(replies: FakeLlmReply[] | ((i: number) => FakeLlmReply), options: Partial<LlmPlannerOptions> = {}) {
  fake = await startFakeLlm((_req, i) => (typeof replies === 'function' ? replies(i) : (replies[i] ?? { status: 500 })));
  const obs = observer();
  const p = new LlmPlanner({
    endpoint: { baseUrl: fake.baseUrl, apiKey: 'sk-test-key', model: 'fake-model', timeoutMs: 1500, maxTokens: 2000 },
    fallback: true,
    observer: obs.o,
    ...options,
  });
  return { p, fake, ...obs };
}

const titlesOf = (scenes: Array<{ content: { title?: string } }>) => scenes.map((s) => s.content.title);
const rulesTitles = () => titlesOf(planScenes({ topic: TOPIC, context: CONTEXT }));

describe('LlmPlanner against a local OpenAI-compatible server', () => {
  it('asks for the scene model with response_format and renders the validated answer', async () => {
    const { p, fake, calls, planned } = await planner([GOOD]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT, hints: { audience: 'children', language: 'en', target_seconds: 40 } });
    expect(titlesOf(out.scenes)).toEqual(TITLES);
    expect(out.scenes.map((s) => s.layout)).toEqual(['title', 'bullets', 'stat', 'steps', 'closing']);
    expect(out.warnings).toEqual([]);
    expect(out.report).toMatchObject({ planner: 'llm', model: 'fake-model', calls: 1, cached: false, fallback: false });
    expect(out.report.tokens_in).toBeGreaterThan(0);
    expect(out.report.tokens_out).toBeGreaterThan(0);
    const req = fake.requests[0]!;
    expect(req.authorization).toBe('Bearer sk-test-key');
    expect(req.body.model).toBe('fake-model');
    expect(req.body.max_tokens).toBe(2000);
    const format = req.body.response_format as { type: string; json_schema: { schema: { properties: { scenes: { items: { anyOf: unknown[] } } } } } };
    expect(format.type).toBe('json_schema');
    expect(format.json_schema.schema.properties.scenes.items.anyOf).toHaveLength(10);
    // The topic and context travel as data in the user message; the hints shape the system message.
    expect(JSON.parse(req.body.messages![1]!.content)).toEqual({ topic: TOPIC, context: CONTEXT });
    expect(req.body.messages![0]!.content).toContain('"children"');
    expect(req.body.messages![0]!.content).toContain('about 40 seconds');
    expect(calls).toEqual(['fake-model:ok']);
    expect(planned).toEqual(['fake-model:llm']);
  });

  it('a timeout gets one retry, then the rules planner with a warning', async () => {
    const { p, fake, calls, planned } = await planner([{ hang: true }, { hang: true }]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    expect(fake.requests).toHaveLength(2);
    expect(titlesOf(out.scenes)).toEqual(rulesTitles());
    expect(out.report).toMatchObject({ planner: 'rules', model: 'fake-model', fallback: true, calls: 2 });
    expect(out.warnings).toEqual([expect.objectContaining({ code: 'PLANNER_FALLBACK', stage: 'planning', details: expect.objectContaining({ reason: 'timeout' }) })]);
    expect(calls).toEqual(['fake-model:timeout', 'fake-model:timeout']);
    expect(planned).toEqual(['fake-model:fallback']);
  });

  it('a 5xx is retried once: a good second answer is used', async () => {
    const { p, fake } = await planner([{ status: 503 }, GOOD]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    expect(fake.requests).toHaveLength(2);
    expect(out.report).toMatchObject({ planner: 'llm', calls: 2 });
    expect(titlesOf(out.scenes)).toEqual(TITLES);
  });

  it('two 5xx: the rules planner with a warning naming http_error', async () => {
    const { p, fake } = await planner([{ status: 500 }, { status: 502 }, GOOD]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    expect(fake.requests).toHaveLength(2);
    expect(out.warnings[0]!.details).toMatchObject({ reason: 'http_error' });
    expect(titlesOf(out.scenes)).toEqual(rulesTitles());
  });

  it('a 429 with Retry-After is honoured when it fits LLM_TIMEOUT_MS, then retried', async () => {
    const { p, fake } = await planner([{ status: 429, headers: { 'retry-after': '1' } }, GOOD]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    expect(fake.requests).toHaveLength(2);
    // The retry waited for the Retry-After (a lower bound: a busy machine only makes it later).
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(out.report.planner).toBe('llm');
  });

  it('a 429 asking for longer than LLM_TIMEOUT_MS is not waited for: the rules planner at once', async () => {
    const { p, fake } = await planner([{ status: 429, headers: { 'retry-after': '3600' } }, GOOD]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    expect(fake.requests).toHaveLength(1);
    expect(out.warnings[0]!.details).toMatchObject({ reason: 'rate_limited' });
  });

  it('an answer that never ends is cut at the timeout, retried once, then falls back', async () => {
    const { p, fake } = await planner([{ neverEnd: true }, { neverEnd: true }]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    expect(fake.requests).toHaveLength(2);
    expect(out.warnings[0]!.details).toMatchObject({ reason: 'timeout' });
    expect(out.report.planner).toBe('rules');
  });

  it('invalid JSON gets one repair round with the problem stated', async () => {
    const { p, fake } = await planner([{ content: 'Sure! Here is your plan: {scenes: [' }, GOOD]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    expect(fake.requests).toHaveLength(2);
    const repair = fake.requests[1]!.body.messages!;
    expect(repair.at(-2)).toEqual({ role: 'assistant', content: 'Sure! Here is your plan: {scenes: [' });
    expect(repair.at(-1)!.content).toContain('not valid JSON');
    expect(out.report.planner).toBe('llm');
  });

  it('invalid JSON twice: the rules planner with a warning naming invalid_json', async () => {
    const { p } = await planner([{ content: 'no' }, { content: '{"scenes": [' }]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    expect(out.warnings[0]!.details).toMatchObject({ reason: 'invalid_json', answer_excerpt: '{"scenes": [' });
  });

  it('model text is hostile like user text: unknown fields, control characters and over-long text are refused, then repaired', async () => {
    const hostile = {
      scenes: [
        { layout: 'title', title: 'Tides\u0007', script: 'require("child_process")' },
        { layout: 'text', text: 'x'.repeat(401) },
        { layout: 'icon_text', icon: '../../etc/passwd', text: 'hi' },
      ],
    };
    const { p, fake } = await planner([{ json: hostile }, GOOD]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    const problems = fake.requests[1]!.body.messages!.at(-1)!.content;
    expect(problems).toContain('scenes.0.title');
    expect(problems).toContain('scenes.0.script');
    expect(problems).toContain('scenes.1.text');
    expect(problems).toContain('scenes.2.icon');
    expect(titlesOf(out.scenes)).toEqual(TITLES);
  });

  it('a schema-invalid plan twice: the rules planner with a warning naming invalid_plan', async () => {
    const { p } = await planner([{ json: { scenes: [{ layout: 'chart', chart: { type: 'pie', labels: ['a'], values: [1, 2] } }] } }, { json: { scenes: [] } }]);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    expect(out.warnings[0]!.details).toMatchObject({ reason: 'invalid_plan' });
    expect(titlesOf(out.scenes)).toEqual(rulesTitles());
  });

  it('a plan beyond the length bound goes back once with the limit stated', async () => {
    const long = { scenes: fakeScenePlan(TITLES).scenes.map((s) => ({ ...s, duration_seconds: 20 })) };
    expect(plannedVideoSeconds({ topic: TOPIC, scenes: long.scenes as never })).toBe(100);
    const { p, fake } = await planner([{ json: long }, GOOD], { maxVideoSeconds: 60 });
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    const back = fake.requests[1]!.body.messages!.at(-1)!.content;
    expect(back).toContain('runs 100 seconds; the limit is 60 seconds');
    expect(out.report.planner).toBe('llm');
    expect(out.scenes.reduce((s, x) => s + x.durationSeconds, 0)).toBeLessThanOrEqual(60);
  });

  it('too long twice: the rules planner, warning too_long', async () => {
    const long = { json: { scenes: fakeScenePlan(TITLES).scenes.map((s) => ({ ...s, duration_seconds: 20 })) } };
    const { p, fake } = await planner([long, long], { maxVideoSeconds: 60 });
    const out = await p.plan({ topic: TOPIC, context: CONTEXT });
    expect(fake.requests).toHaveLength(2);
    expect(out.warnings[0]!.details).toMatchObject({ reason: 'too_long' });
  });

  it("the owner's remaining budget, when smaller than the bound, is the limit stated", async () => {
    const long = { json: { scenes: fakeScenePlan(TITLES).scenes.map((s) => ({ ...s, duration_seconds: 10 })) } };
    const { p, fake } = await planner([long, GOOD], { maxVideoSeconds: 600, remainingSeconds: async (owner) => (owner === 'alice' ? 45 : null) });
    await p.plan({ topic: TOPIC, context: CONTEXT, owner: 'alice' });
    expect(fake.requests[1]!.body.messages!.at(-1)!.content).toContain('the limit is 45 seconds');
  });

  it("a caller's budgetSeconds (a worker: remaining plus the job's own reservation) is the limit, without asking remainingSeconds", async () => {
    const long = { json: { scenes: fakeScenePlan(TITLES).scenes.map((s) => ({ ...s, duration_seconds: 10 })) } };
    let asked = 0;
    const { p, fake } = await planner([long, GOOD], { maxVideoSeconds: 600, remainingSeconds: async () => (asked++, 5) });
    await p.plan({ topic: TOPIC, context: CONTEXT, owner: 'alice', budgetSeconds: 35 });
    expect(asked).toBe(0);
    expect(fake.requests[1]!.body.messages!.at(-1)!.content).toContain('the limit is 35 seconds');
  });

  it('with LLM_FALLBACK=false a failure ends in PLANNER_FAILED with the reason', async () => {
    const { p, planned } = await planner([{ status: 500 }, { status: 500 }], { fallback: false });
    const err = await p.plan({ topic: TOPIC, context: CONTEXT }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VidgenError);
    expect(err).toMatchObject({ code: 'PLANNER_FAILED', category: 'dependency_unavailable', retryable: false, details: expect.objectContaining({ reason: 'http_error', model: 'fake-model' }) });
    expect((err as VidgenError).suggestedAction).toContain('configuration.scenes');
    expect(planned).toEqual(['fake-model:failed']);
  });

  it('a server that refuses response_format is asked again with the schema in the prompt, and not offered it again', async () => {
    const { p, fake } = await planner((i) => (i === 0 ? { status: 400, body: '{"error":{"message":"response_format is not supported"}}' } : GOOD));
    await p.plan({ topic: TOPIC, context: CONTEXT });
    await p.plan({ topic: 'Another', context: CONTEXT });
    expect(fake.requests.map((r) => r.body.response_format === undefined)).toEqual([false, true, true]);
    expect(fake.requests[1]!.body.messages![0]!.content).toContain('must match this JSON Schema');
  });

  it('explicit scenes are planned as given, without a request', async () => {
    const { p, fake } = await planner([GOOD]);
    const out = await p.plan({ topic: TOPIC, scenes: [{ layout: 'text', text: 'Mine' }] });
    expect(fake.requests).toHaveLength(0);
    expect(out.scenes.map((s) => s.content.text)).toEqual(['Mine']);
    expect(out.report.planner).toBe('rules');
  });

  it('a cancelled job stops waiting at once', async () => {
    const { p } = await planner([{ hang: true }]);
    const controller = new AbortController();
    const pending = p.plan({ topic: TOPIC, context: CONTEXT }, controller.signal).catch((e: unknown) => e);
    setTimeout(() => controller.abort(new VidgenError('JOB_CANCELLED')), 100);
    expect(await pending).toMatchObject({ code: 'JOB_CANCELLED' });
  });
});

describe('plan cache in Redis, per owner', () => {
  const prefix = uniqueName('vgtest-plancache');
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await deleteKeysAt(SHARED_REDIS_URL, prefix);
    redis.disconnect();
  });

  it('the same request of the same owner reuses the plan; another owner or other hints ask again', async () => {
    const cache = new RedisPlanCache({ redis, prefix, ttlSeconds: 60 });
    const { p, fake } = await planner(() => GOOD, { cache });
    const first = await p.plan({ topic: TOPIC, context: CONTEXT, owner: 'alice' });
    const again = await p.plan({ topic: TOPIC, context: CONTEXT, owner: 'alice' });
    expect(fake.requests).toHaveLength(1);
    expect(again.scenes).toEqual(first.scenes);
    expect(again.report).toMatchObject({ planner: 'llm', cached: true, calls: 0 });
    await p.plan({ topic: TOPIC, context: CONTEXT, owner: 'bob' });
    await p.plan({ topic: TOPIC, context: CONTEXT, owner: 'alice', hints: { tone: 'formal' } });
    expect(fake.requests).toHaveLength(3);
    const keys = await redis.keys(`${prefix}:plan-cache:alice:*`);
    expect(keys).toHaveLength(2);
    const ttl = await redis.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('a fallback is not cached, and a tampered entry is ignored', async () => {
    const cache = new RedisPlanCache({ redis, prefix: `${prefix}b`, ttlSeconds: 60 });
    const { p, fake } = await planner((i) => (i < 2 ? { status: 500 } : GOOD), { cache });
    await p.plan({ topic: TOPIC, context: CONTEXT, owner: 'carol' });
    expect(await redis.keys(`${prefix}b:plan-cache:carol:*`)).toEqual([]);
    await p.plan({ topic: TOPIC, context: CONTEXT, owner: 'carol' });
    const [key] = await redis.keys(`${prefix}b:plan-cache:carol:*`);
    await redis.set(key!, JSON.stringify([{ layout: 'title', title: 'x', evil: true }]), 'EX', 60);
    const out = await p.plan({ topic: TOPIC, context: CONTEXT, owner: 'carol' });
    expect(out.report.cached).toBe(false);
    expect(fake.requests).toHaveLength(4);
    await deleteKeysAt(SHARED_REDIS_URL, `${prefix}b`);
  });
});

describe('parseModelPlan', () => {
  it('takes one code fence or a bare array, and nothing that is not data', () => {
    expect(parseModelPlan('```json\n{"scenes":[{"layout":"title","title":"A"}]}\n```')).toMatchObject({ ok: true });
    expect(parseModelPlan('[{"layout":"title","title":"A"}]')).toMatchObject({ ok: true });
    expect(parseModelPlan('{"scenes":[{"layout":"title","title":"A","__proto__":{"x":1}}]}')).toMatchObject({ ok: false, problems: [expect.stringContaining('__proto__')] });
    expect(parseModelPlan('({scenes: []})')).toMatchObject({ ok: false, reason: 'invalid_json' });
    expect(parseModelPlan('{"scenes":[{"title":"old shape"}]}')).toMatchObject({ ok: false, reason: 'invalid_plan' });
  });
});
