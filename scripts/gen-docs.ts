/** `npm run docs`: writes docs/configuration.md and schema/poolscale.schema.json from the schemas. */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configJsonSchema, configReferenceMarkdown } from '../shared/docs/configReference';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = readFileSync(join(root, 'shared/domain/policy.ts'), 'utf8');
writeFileSync(join(root, 'docs/configuration.md'), configReferenceMarkdown(source));
writeFileSync(join(root, 'schema/poolscale.schema.json'), `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log('wrote docs/configuration.md and schema/poolscale.schema.json');
