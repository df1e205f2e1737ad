import { ConfigError, effectiveSettings, loadConfig, loadConfigWithWarnings } from '@vidgen/config';

describe('planner settings', () => {
  it('default to the rules planner, with no endpoint', () => {
    expect(loadConfig({}).planner).toEqual({ name: 'rules', llm: undefined });
  });

  it('PLANNER=llm needs LLM_BASE_URL and LLM_MODEL, both reported at once', () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({ PLANNER: 'llm' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([expect.stringMatching(/^LLM_BASE_URL: required/), expect.stringMatching(/^LLM_MODEL: required/)]);
    expect(() => loadConfig({ PLANNER: 'gpt' })).toThrow(ConfigError);
  });

  it('PLANNER=llm gives the endpoint and its handling, with defaults', () => {
    const c = loadConfig({ PLANNER: 'llm', LLM_BASE_URL: 'http://127.0.0.1:8080/v1', LLM_MODEL: 'qwen', LLM_API_KEY: 'sk-secret-value', LLM_FALLBACK: 'false' });
    expect(c.planner).toEqual({ name: 'llm', llm: { baseUrl: 'http://127.0.0.1:8080/v1', apiKey: 'sk-secret-value', model: 'qwen', timeoutMs: 30000, maxTokens: 4096, fallback: false, cacheTtlSeconds: 86400 } });
  });

  it('LLM_API_KEY is a secret: redacted in the effective settings (config:check)', () => {
    const shown = effectiveSettings({ LLM_API_KEY: 'sk-secret-value' }).find((s) => s.name === 'LLM_API_KEY');
    expect(shown).toEqual({ name: 'LLM_API_KEY', value: '<redacted>', source: 'env' });
  });

  it('warns when seven requests would take over half the job time limit', () => {
    const { warnings } = loadConfigWithWarnings({ PLANNER: 'llm', LLM_BASE_URL: 'http://127.0.0.1:8080/v1', LLM_MODEL: 'm', LLM_TIMEOUT_MS: '120000', JOB_TIMEOUT_MS: '600000' });
    expect(warnings).toEqual(expect.arrayContaining([expect.stringContaining('LLM_TIMEOUT_MS=120000')]));
  });
});
