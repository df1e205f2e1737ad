/**
 * One jest preset for the whole workspace: tests live in each package's test/ folder and import built packages.
 * Two tiers (pnpm test:unit, pnpm test:integration; pnpm test runs both):
 * - unit: pure code and fakes of our own interfaces; no Redis, S3, ffmpeg, TTS engine, server or child process.
 *   A file is unit only when listed in UNIT_TESTS, and jest.unit-guard.js fails it if it connects, listens or spawns.
 * - integration: everything else (real Redis, s3rver, ffmpeg, spawned api/worker processes, browsers).
 * A new test file is integration until it is listed: a wrong guess there costs time, never a broken promise.
 */
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};

const UNIT_TESTS = [
  'apps/api/test/hls-rewrite.test.ts',
  'apps/api/test/idempotency.test.ts',
  'apps/api/test/progress-view.test.ts',
  'apps/studio/test/bundle-size.test.ts',
  'apps/studio/test/units.test.ts',
  'apps/worker/test/instrumentation.test.ts',
  'apps/worker/test/output-uploads.test.ts',
  'apps/worker/test/outputs.test.ts',
  'packages/config/test/config.test.ts',
  'packages/jobs/test/lifecycle.test.ts',
  'packages/jobs/test/present.test.ts',
  'packages/config/test/docs.test.ts',
  'packages/config/test/planner-settings.test.ts',
  'packages/config/test/rules.test.ts',
  'packages/core/test/canonical.test.ts',
  'packages/core/test/core.test.ts',
  'packages/core/test/json-schema.test.ts',
  'packages/core/test/length-bound.test.ts',
  'packages/core/test/planner.test.ts',
  'packages/core/test/pool.test.ts',
  'packages/core/test/render-plan.test.ts',
  'packages/core/test/scene-schema.test.ts',
  'packages/core/test/submit-voice.test.ts',
  'packages/core/test/troubleshooting.test.ts',
  'packages/core/test/voice-fields.test.ts',
  'packages/observability/test/logger.test.ts',
  'packages/observability/test/metrics-registry.test.ts',
  'packages/observability/test/queue-metrics.test.ts',
  'packages/observability/test/redact.test.ts',
  'packages/pipeline/test/args.test.ts',
  'packages/pipeline/test/delivery-builders.test.ts',
  'packages/pipeline/test/narration-script.test.ts',
  'packages/pipeline/test/same-pass.test.ts',
  'packages/pipeline/test/stills-args.test.ts',
  'packages/pipeline/test/storyboard.test.ts',
  'packages/planner/test/eval.test.ts',
  'packages/progress/test/eta.test.ts',
  'packages/progress/test/parse.test.ts',
  'packages/progress/test/validate.test.ts',
  'packages/queue/test/cursor.test.ts',
  'packages/render/test/compose.test.ts',
  'packages/render/test/layout.test.ts',
  'packages/render/test/palettes.test.ts',
  'packages/storage/test/etag.test.ts',
  'packages/storage/test/keys.test.ts',
  'packages/storage/test/retry-policy.test.ts',
  'packages/storage/test/url-signer.test.ts',
  'packages/webhooks/test/address-policy.test.ts',
  'packages/webhooks/test/processor.test.ts',
  'packages/webhooks/test/signature.test.ts',
  'tools/stack/test/deploy/k8s.test.ts',
  'tools/stack/test/deploy/workflows.test.ts',
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

module.exports = {
  testTimeout: 60000,
  maxWorkers: 2,
  // Integration tests start child processes and servers; fail loudly if one is left open.
  detectOpenHandles: false,
  forceExit: false,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform,
      testMatch: UNIT_TESTS.map((file) => `<rootDir>/${file}`),
      setupFilesAfterEnv: ['<rootDir>/jest.unit-guard.js'],
    },
    {
      displayName: 'integration',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/{apps,packages,tools}/*/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...UNIT_TESTS.map((file) => `^${escape(__dirname)}/${escape(file)}$`)],
    },
  ],
};
