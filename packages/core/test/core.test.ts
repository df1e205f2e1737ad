import {
  DEFAULT_STAGE_WEIGHTS,
  ERROR_CATEGORIES,
  ERROR_CODES,
  STAGE_NAMES,
  VidgenError,
  normalizeWeights,
  overallPercentage,
  toErrorBody,
  toVidgenError,
  validateGenerateRequest,
} from '@vidgen/core';

describe('stage registry', () => {
  it('lists the stages in pipeline order', () => {
    expect(STAGE_NAMES).toEqual([
      'queued',
      'planning',
      'rendering_scenes',
      'combining',
      'generating_thumbnails',
      'encoding_renditions',
      'extracting_metadata',
      'uploading',
      'finalizing',
    ]);
  });

  it('normalizes weights to 100 and rejects bad ones', () => {
    const w = normalizeWeights(DEFAULT_STAGE_WEIGHTS);
    expect(Object.values(w).reduce((a, b) => a + b, 0)).toBeCloseTo(100, 6);
    expect(() => normalizeWeights({ ...DEFAULT_STAGE_WEIGHTS, planning: -1 })).toThrow(RangeError);
    expect(() => normalizeWeights({ ...DEFAULT_STAGE_WEIGHTS, planning: Number.NaN })).toThrow(RangeError);
  });

  it('computes overall percentage from finished stages plus the current one', () => {
    const w = normalizeWeights({ ...DEFAULT_STAGE_WEIGHTS, queued: 0, planning: 10, rendering_scenes: 40, combining: 10, generating_thumbnails: 10, encoding_renditions: 10, extracting_metadata: 5, uploading: 10, finalizing: 5 });
    expect(overallPercentage([], 'planning', 50, w)).toBe(5);
    expect(overallPercentage(['planning'], 'rendering_scenes', 50, w)).toBe(30);
    // skipped stages count as finished; out-of-range stage percentages are clamped
    expect(overallPercentage(['planning', 'rendering_scenes', 'combining'], 'uploading', 150, w)).toBe(70);
    expect(overallPercentage(STAGE_NAMES, null, 0, w)).toBe(100);
  });
});

describe('error taxonomy', () => {
  it('gives every code a known category, an HTTP status, a retry flag and a suggested action', () => {
    for (const [code, def] of Object.entries(ERROR_CODES)) {
      expect(ERROR_CATEGORIES).toContain(def.category);
      expect(def.status).toBeGreaterThanOrEqual(400);
      expect(def.status).toBeLessThan(600);
      expect(typeof def.retryable).toBe('boolean');
      expect(def.suggestedAction.length).toBeGreaterThan(10);
      expect(code).toMatch(/^[A-Z_]+$/);
    }
  });

  it('renders the API error shape and hides unknown errors behind INTERNAL_ERROR', () => {
    const body = toErrorBody(new VidgenError('VALIDATION_FAILED', { details: [{ field: 'x' }] }), 'cid-1');
    expect(body).toEqual({
      code: 'VALIDATION_FAILED',
      category: 'validation',
      message: expect.any(String),
      suggested_action: expect.any(String),
      retryable: false,
      correlation_id: 'cid-1',
      docs: 'docs/troubleshooting.md#validation_failed',
      details: [{ field: 'x' }],
    });
    const internal = toVidgenError(new Error('secret connection string redis://user:pw@host'));
    expect(internal.code).toBe('INTERNAL_ERROR');
    expect(internal.message).not.toContain('redis://');
  });
});

describe('submit validation', () => {
  const policy = { allowUltra: false, narrationEnabled: false };

  it('applies defaults and trims', () => {
    const r = validateGenerateRequest({ configuration: { topic: '  Tides  ' } }, policy);
    expect(r.configuration.topic).toBe('Tides');
    expect(r.configuration.quality).toBe('medium');
  });

  it('lists every offending field', () => {
    try {
      validateGenerateRequest({ configuration: { topic: '', quality: 'best', extra: 1 }, other: true }, policy);
      throw new Error('expected a validation error');
    } catch (err) {
      const e = err as VidgenError;
      expect(e.code).toBe('VALIDATION_FAILED');
      const fields = (e.details as Array<{ field: string }>).map((d) => d.field).sort();
      expect(fields).toEqual(['configuration.extra', 'configuration.quality', 'configuration.topic', 'other']);
    }
  });

  it('rejects control characters in the topic and over-long text', () => {
    expect(() => validateGenerateRequest({ configuration: { topic: 'a\u0007b' } }, policy)).toThrow(VidgenError);
    expect(() => validateGenerateRequest({ configuration: { topic: 'x'.repeat(201) } }, policy)).toThrow(VidgenError);
    expect(() => validateGenerateRequest({ configuration: { topic: 't', context: 'x'.repeat(5001) } }, policy)).toThrow(VidgenError);
  });

  it('accepts ultra only where the deployment allows it', () => {
    expect(() => validateGenerateRequest({ configuration: { topic: 't', quality: 'ultra' } }, policy)).toThrow(
      expect.objectContaining({ code: 'QUALITY_NOT_ALLOWED' }),
    );
    expect(validateGenerateRequest({ configuration: { topic: 't', quality: 'ultra' } }, { ...policy, allowUltra: true }).configuration.quality).toBe('ultra');
  });
});
