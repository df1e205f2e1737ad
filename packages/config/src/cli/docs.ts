import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_DOCS_PATH, renderConfigDocs } from '../docs';
import { syncTemplate, TEMPLATE_PATHS } from '../templates';

/**
 * `pnpm config:docs`: writes docs/configuration.md from the schema and brings
 * the env templates in line with it (new settings added with their default,
 * removed ones dropped, existing values kept).
 */
const root = path.resolve(__dirname, '../../../..');
writeFileSync(path.join(root, CONFIG_DOCS_PATH), renderConfigDocs());
process.stdout.write(`wrote ${CONFIG_DOCS_PATH}\n`);
for (const file of TEMPLATE_PATHS) {
  const target = path.join(root, file);
  const before = readFileSync(target, 'utf8');
  const after = syncTemplate(before);
  if (after !== before) writeFileSync(target, after);
  process.stdout.write(`${after === before ? 'unchanged' : 'updated'} ${file}\n`);
}
