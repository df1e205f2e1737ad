import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_DOCS_COMMAND, CONFIG_DOCS_PATH, describeSettings, renderConfigDocs } from '@vidgen/config';

const ROOT = path.resolve(__dirname, '../../..');

describe('docs/configuration.md', () => {
  it(`is up to date with the schema (regenerate with \`${CONFIG_DOCS_COMMAND}\`)`, () => {
    const committed = readFileSync(path.join(ROOT, CONFIG_DOCS_PATH), 'utf8');
    const fresh = renderConfigDocs();
    if (committed !== fresh) {
      throw new Error(`${CONFIG_DOCS_PATH} is out of date with packages/config/src/schema.ts. Run \`${CONFIG_DOCS_COMMAND}\` and commit the result.`);
    }
  });

  it('documents every setting with a type and a description', () => {
    const docs = renderConfigDocs();
    const settings = describeSettings();
    expect(settings.length).toBeGreaterThan(40);
    for (const s of settings) {
      expect(docs).toContain(`| \`${s.name}\` | ${s.type} |`);
      expect({ name: s.name, description: s.description.length > 5 }).toEqual({ name: s.name, description: true });
    }
  });

  it('describes bounds, allowed values and secrecy from the schema', () => {
    const byName = new Map(describeSettings().map((s) => [s.name, s]));
    expect(byName.get('API_PORT')).toMatchObject({ type: 'number', default: 3000, constraints: 'integer; 0–65535', secret: false });
    expect(byName.get('NODE_ENV')?.constraints).toBe('one of: development, production, test');
    expect(byName.get('SIGNING_SECRET')).toMatchObject({ secret: true, constraints: 'at least 32 characters' });
    expect(byName.get('S3_ENDPOINT')).not.toHaveProperty('default');
  });
});
