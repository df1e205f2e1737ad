import { engineInstalled, narrationSettings } from '../src/narration';

describe('pnpm start: narration when an engine is installed', () => {
  const installed = async () => true;
  const missing = async () => false;

  it('turns narration on and makes it the default when an engine is installed and the environment does not say', async () => {
    expect(await narrationSettings({}, installed)).toEqual({ NARRATION_ENABLED: 'true', NARRATION_DEFAULT: 'true' });
    expect(await narrationSettings({}, missing)).toEqual({});
  });

  it("keeps the environment's own settings", async () => {
    expect(await narrationSettings({ NARRATION_ENABLED: 'false' }, installed)).toEqual({});
    expect(await narrationSettings({ NARRATION_ENABLED: 'true' }, installed)).toEqual({});
    expect(await narrationSettings({ NARRATION_DEFAULT: 'false' }, installed)).toEqual({ NARRATION_ENABLED: 'true' });
  });

  it('asks the engines of this machine (Festival, flite and espeak-ng are prerequisites of the suite)', async () => {
    expect(await engineInstalled({})()).toBe(true);
    expect(await engineInstalled({ TTS_ENGINE: 'flite' })()).toBe(true);
    expect(await narrationSettings({}, engineInstalled({}))).toEqual({ NARRATION_ENABLED: 'true', NARRATION_DEFAULT: 'true' });
  });
});
