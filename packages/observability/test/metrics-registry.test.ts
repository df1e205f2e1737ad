import { createApiMetrics } from '../src/api-metrics';
import { createMetricsRegistry } from '../src/metrics-registry';
import { createWorkerMetrics } from '../src/worker-metrics';

describe('metrics registries', () => {
  it('keeps each process registry separate and labels every series with the service', async () => {
    const a = createMetricsRegistry({ service: 'api', version: '9.9.9', processMetrics: false });
    const b = createMetricsRegistry({ service: 'api', processMetrics: false });
    createApiMetrics(a).jobSubmitted('low');
    createApiMetrics(b);
    expect(await a.metrics()).toContain('vidgen_jobs_submitted_total{quality="low",service="api"} 1');
    expect(await b.metrics()).not.toContain('quality="low"');
    expect(await a.metrics()).toContain('vidgen_build_info{version="9.9.9",service="api"} 1');
  });

  it('counts a job once by its outcome: completed by quality, failed and retried by category', async () => {
    const registry = createMetricsRegistry({ service: 'worker', processMetrics: false });
    const m = createWorkerMetrics(registry);
    m.jobStarted();
    m.attemptFinished({ outcome: 'retrying', quality: 'low', category: 'storage' }, 1);
    m.jobEnded();
    m.attemptFinished({ outcome: 'failed', quality: 'low', category: 'rendering' }, 2);
    m.attemptFinished({ outcome: 'completed', quality: 'low' }, 3);
    m.observeUpload({ bytes: 100, durationMs: 50, ok: true });
    m.observeUpload({ bytes: 0, durationMs: 10, ok: false, errorCategory: 'storage' });
    const text = await registry.metrics();
    expect(text).toContain('vidgen_worker_job_retries_total{category="storage",service="worker"} 1');
    expect(text).toContain('vidgen_worker_jobs_failed_total{category="rendering",service="worker"} 1');
    expect(text).toContain('vidgen_worker_jobs_completed_total{quality="low",service="worker"} 1');
    expect(text).toContain('vidgen_worker_job_duration_seconds_count{service="worker",outcome="completed",quality="low"} 1');
    expect(text).toContain('vidgen_worker_active_jobs{service="worker"} 0');
    expect(text).toContain('vidgen_worker_s3_upload_bytes_total{service="worker"} 100');
    expect(text).toContain('vidgen_worker_s3_upload_errors_total{category="storage",service="worker"} 1');
  });

  it('counts planner requests by model and outcome, their latency, and plannings by result', async () => {
    const registry = createMetricsRegistry({ service: 'worker', processMetrics: false });
    const m = createWorkerMetrics(registry);
    m.plannerCall('qwen', 'ok', 1.5);
    m.plannerCall('qwen', 'timeout', 30);
    m.planned('qwen', 'fallback', 31.5);
    m.planned('qwen', 'llm', 1.5);
    const text = await registry.metrics();
    expect(text).toContain('vidgen_worker_planner_calls_total{model="qwen",outcome="ok",service="worker"} 1');
    expect(text).toContain('vidgen_worker_planner_calls_total{model="qwen",outcome="timeout",service="worker"} 1');
    expect(text).toContain('vidgen_worker_planner_call_duration_seconds_count{service="worker",model="qwen"} 2');
    expect(text).toContain('vidgen_worker_plannings_total{model="qwen",result="fallback",service="worker"} 1');
    expect(text).toContain('vidgen_worker_plannings_total{model="qwen",result="llm",service="worker"} 1');
  });
});
