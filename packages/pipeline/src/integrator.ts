import { silentLogger, type JobRecord, type Logger } from '@vidgen/core';
import { buildVideoGenerationConfig, type VideoGenerationConfig } from './config';
import { VideoGenerationOrchestrator, type OrchestratorDeps, type RunOptions, type VideoGenerationResult } from './orchestrator';
import { builtinPlanner, type Planner } from './planner';
import { safeProgressSink, type ProgressCallback } from './safe-progress';
import { warmUnitThreads } from './unit-threads';
import { defaultPainterModule } from './painter';

export interface PipelineIntegratorOptions extends Omit<OrchestratorDeps, 'logger'> {
  /** Each job's scratch dir is created under this (e.g. os.tmpdir() or a worker volume). */
  scratchBaseDir: string;
  /** Cores to cap scene concurrency by; defaults to this machine's. */
  cores?: number;
  logger?: Logger;
  /** Counts progress-callback failures (metrics); the pipeline itself ignores them. */
  onCallbackError?: (err: unknown) => void;
  /** Throttle for progress reports within a stage. */
  progressMinIntervalMs?: number;
}

export interface IntegratorRunOptions {
  signal?: AbortSignal;
  /** The job's progress callback; may throw or return a promise that never settles, without effect on the job. */
  onProgress?: ProgressCallback;
  /** The planning stage's outcome; see RunOptions.onPlanned. */
  onPlanned?: RunOptions['onPlanned'];
  /** Poster, thumbnails and sprite painted beside the units; see RunOptions.stills. */
  stills?: RunOptions['stills'];
  /** Lower HLS rungs encoded in the render pass; see RunOptions.hls. */
  hls?: RunOptions['hls'];
  /** The most the planner's plan may last by the owner's video budget (OWNER_DAILY_VIDEO_SECONDS); absent: no budget. */
  budgetSeconds?: number;
}

/**
 * Job record → validated VideoGenerationConfig → orchestrator run. A bad job
 * fails with VALIDATION_FAILED before anything renders.
 */
export class PipelineIntegrator {
  constructor(private readonly options: PipelineIntegratorOptions) {}

  /**
   * Fails at boot, not at the first job, when the drawing library or the unit
   * worker script is missing, and starts the render threads the jobs reuse
   * (painting happens in them; each loads the drawing library and registers
   * its fonts once, not per job; nothing in this thread needs warming).
   */
  warmUp(): void {
    warmUnitThreads(this.options.painterModule ?? defaultPainterModule());
  }

  /** Pure conversion + re-validation; throws VidgenError('VALIDATION_FAILED'). */
  prepare(job: JobRecord): VideoGenerationConfig {
    return buildVideoGenerationConfig(job, { scratchBaseDir: this.options.scratchBaseDir, cores: this.options.cores });
  }

  /** Renders the job; see VideoGenerationResult for who removes the scratch dir. */
  async run(job: JobRecord, runOptions: IntegratorRunOptions = {}): Promise<VideoGenerationResult> {
    const { logger = silentLogger, onCallbackError, progressMinIntervalMs, scratchBaseDir: _base, cores: _cores, ...deps } = this.options;
    const jobLogger = logger.child({ job_id: job.job_id, correlation_id: job.correlation_id });
    const config = this.prepare(job);
    const onProgress = runOptions.onProgress ? safeProgressSink(runOptions.onProgress, { logger: jobLogger, onCallbackError, minIntervalMs: progressMinIntervalMs }) : undefined;
    // The planner sees what the render config does not carry: whose job it is (its plan cache) and the hints.
    const planner = deps.planner ?? builtinPlanner;
    const jobPlanner: Planner = {
      name: planner.name,
      plan: (input, signal) => planner.plan({ ...input, owner: job.owner, hints: job.configuration?.planner_hints, ...(runOptions.budgetSeconds !== undefined ? { budgetSeconds: runOptions.budgetSeconds } : {}) }, signal),
    };
    const orchestrator = new VideoGenerationOrchestrator(config, { ...deps, planner: jobPlanner, logger: jobLogger });
    return orchestrator.run({ signal: runOptions.signal, onProgress, onPlanned: runOptions.onPlanned, stills: runOptions.stills, hls: runOptions.hls });
  }
}
