import { Router } from 'express';
import {
  ANIMATIONS,
  ASPECTS,
  BUILD_STAGGER_SECONDS,
  CAPTION_MODES,
  CHART_TYPES,
  COUNT_UP_SECONDS,
  DEFAULT_ASPECT,
  DEFAULT_THEME_NAME,
  DEFAULT_TRANSITION,
  ENTRANCE_SECONDS,
  ICON_SET,
  LAYOUTS,
  LAYOUT_FIELDS,
  MAX_PLANNED_DURATION_SECONDS,
  MUSIC_PRESET_NAMES,
  NARRATION_LIMITS,
  QUALITIES,
  QUALITY_PRESETS,
  SCENE_LIMITS,
  SCENE_MODEL_VERSION,
  THEME_NAMES,
  TRANSITIONS,
  TRANSITION_SECONDS,
  TTS_ENGINE_NAMES,
  VidgenError,
  buildRenderPlan,
  frameSizeFor,
  iconNames,
  rulesPlan,
  validateGenerateRequest,
  type Planner,
  type RenderPlan,
} from '@vidgen/core';
import type { ApiKey } from '@vidgen/config';
import { authenticate } from '../middleware/auth';
import { route } from '../middleware/errors';
import { submitPolicyFor, type SubmitPolicyDeps } from '../submit-policy';

/** What the scene routes need: the same submit policy as /generate. */
export interface SceneRouteDeps extends SubmitPolicyDeps {
  apiKeys: readonly ApiKey[];
  /** The deployment's planner (PLANNER): what /plan previews and /capabilities lists; absent: the rules planner. */
  planner?: Planner;
}

/** The planners of this deployment: the rules planner always, the language model when PLANNER=llm. */
export function plannersOf(planner: Planner | undefined) {
  const active = planner?.name ?? 'rules';
  const model = planner && 'model' in planner && typeof planner.model === 'string' ? planner.model : undefined;
  return {
    default: active,
    available: [{ name: 'rules' }, ...(active === 'llm' ? [{ name: 'llm', model }] : [])],
  };
}

const seconds = (frames: number, fps: number) => Math.round((frames / fps) * 1000) / 1000;

/** The render plan as the API shows it: seconds instead of frames, snake_case like the rest of the API. */
export function presentPlan(plan: RenderPlan) {
  const { fps } = plan;
  return {
    version: plan.version,
    quality: plan.quality,
    width: plan.width,
    height: plan.height,
    fps,
    aspect: plan.aspect,
    theme: plan.theme,
    progress_bar: plan.progressBar,
    total_frames: plan.totalFrames,
    total_seconds: seconds(plan.totalFrames, fps),
    scenes: plan.scenes.map((s) => ({
      index: s.index,
      layout: s.layout,
      kind: s.kind,
      content: s.content,
      start_seconds: seconds(s.startFrame, fps),
      duration_seconds: seconds(s.frames, fps),
      transition: { type: s.transition.type, seconds: seconds(s.transition.frames, fps) },
      animation: s.animation,
      timeline: s.timeline,
    })),
  };
}

/** What this deployment can render, apart from the voices: built once (it changes only with the code and the policy). */
export function capabilities(policy: Pick<SceneRouteDeps, 'allowUltra' | 'narrationEnabled' | 'narrationDefault' | 'planner'>) {
  return {
    version: SCENE_MODEL_VERSION,
    qualities: QUALITIES.map((name) => {
      const { fps, label } = QUALITY_PRESETS[name];
      return { name, label, fps, allowed: name !== 'ultra' || policy.allowUltra, sizes: Object.fromEntries(ASPECTS.map((a) => [a, frameSizeFor(name, a)])) };
    }),
    aspects: ASPECTS,
    default_aspect: DEFAULT_ASPECT,
    themes: THEME_NAMES,
    default_theme: DEFAULT_THEME_NAME,
    layouts: LAYOUTS.map((name) => ({ name, required: LAYOUT_FIELDS[name].required, optional: LAYOUT_FIELDS[name].optional })),
    transitions: TRANSITIONS,
    default_transition: DEFAULT_TRANSITION,
    animations: ANIMATIONS,
    chart_types: CHART_TYPES,
    timing: { transition_seconds: TRANSITION_SECONDS, entrance_seconds: ENTRANCE_SECONDS, build_stagger_seconds: BUILD_STAGGER_SECONDS, count_up_seconds: COUNT_UP_SECONDS },
    icon_set: ICON_SET,
    icons: iconNames(),
    limits: { scene: SCENE_LIMITS, max_video_seconds: MAX_PLANNED_DURATION_SECONDS, max_scenes: SCENE_LIMITS.scenesMax, narration: NARRATION_LIMITS },
    narration: { enabled: policy.narrationEnabled, default: policy.narrationEnabled && policy.narrationDefault, engines: TTS_ENGINE_NAMES },
    music_presets: MUSIC_PRESET_NAMES,
    caption_modes: CAPTION_MODES,
    planners: plannersOf(policy.planner),
  };
}

/**
 * GET /api/v1/capabilities: what a client may put in a configuration.
 * Mounted at /api/v1 with its own authentication, like every route there.
 * The voices are those live workers announce right now (a worker's
 * announcement lapses 30 s after it stops refreshing it), so the answer is
 * cached briefly; none where the deployment has no narration.
 */
export function createCapabilitiesRouter(deps: SceneRouteDeps): Router {
  const router = Router();
  const body = capabilities(deps);
  router.use('/capabilities', authenticate(deps.apiKeys));
  route(router, '/capabilities', {
    get: async (_req, res) => {
      const live = deps.narrationEnabled ? await deps.liveVoices() : { voices: [], default_voice: null };
      res.setHeader('Cache-Control', 'private, max-age=10');
      res.json({ ...body, voices: live.voices, default_voice: live.default_voice });
    },
  });
  return router;
}

/**
 * POST /api/v1/videos/plan: the plan a /generate body would render (layouts,
 * timings, total length), checked exactly as /generate checks it, without
 * creating a job. It touches Redis only to read the live voices when the body
 * names one, and through the LLM planner's plan cache. Registered on the
 * videos router, behind its authentication and JSON parser.
 */
export function registerPlanRoute(router: Router, deps: SubmitPolicyDeps & { planner?: Planner }): void {
  route(router, '/plan', {
    post: async (req, res) => {
      if (req.is('application/json') === false) throw new VidgenError('UNSUPPORTED_MEDIA_TYPE');
      const request = validateGenerateRequest(req.body, await submitPolicyFor(req.body, deps));
      const { configuration } = request;
      res.setHeader('Cache-Control', 'no-store');
      if (!deps.planner || deps.planner.name === 'rules' || configuration.scenes) {
        const planning = rulesPlan({ topic: configuration.topic, context: configuration.context, scenes: configuration.scenes, hints: configuration.planner_hints });
        res.json({ plan: presentPlan(buildRenderPlan(configuration, planning.scenes)), planner: planning.report, warnings: [] });
        return;
      }
      // The worker asks the same planner with the same inputs, so the submission reuses this plan from the owner's cache.
      const controller = new AbortController();
      res.on('close', () => controller.abort(new VidgenError('JOB_CANCELLED')));
      const planning = await deps.planner.plan(
        { topic: configuration.topic, context: configuration.context || undefined, hints: configuration.planner_hints, owner: req.owner, narration: configuration.narration },
        controller.signal,
      );
      res.json({ plan: presentPlan(buildRenderPlan(configuration, planning.scenes)), planner: planning.report, warnings: planning.warnings });
    },
  });
}
