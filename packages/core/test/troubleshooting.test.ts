import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ERROR_CODES, TROUBLESHOOTING_DOC, docsAnchor } from '@vidgen/core';

const page = readFileSync(path.resolve(__dirname, '../../..', TROUBLESHOOTING_DOC), 'utf8');
const headings = [...page.matchAll(/^## (.+)$/gm)].map((m) => m[1]!.trim());

describe('docs/troubleshooting.md', () => {
  it('has one section per error code, with the anchor the code links to', () => {
    for (const [code, def] of Object.entries(ERROR_CODES)) {
      expect({ code, sections: headings.filter((h) => h === code).length }).toEqual({ code, sections: 1 });
      // GitHub's anchor of "## CODE" is the heading in lower case.
      expect(def.docs).toBe(`${TROUBLESHOOTING_DOC}#${code.toLowerCase()}`);
      expect(docsAnchor(code)).toBe(def.docs);
    }
  });

  it('has no section for a code that does not exist', () => {
    const unknown = headings.filter((h) => !Object.prototype.hasOwnProperty.call(ERROR_CODES, h));
    expect(unknown).toEqual([]);
  });

  it('explains a cause and a fix in every section', () => {
    const sections = page.split(/^## /m).slice(1);
    for (const s of sections) {
      const code = s.split('\n')[0]!.trim();
      expect({ code, cause: s.includes('**Cause.**'), fix: s.includes('**Fix.**') }).toEqual({ code, cause: true, fix: true });
    }
  });
});
