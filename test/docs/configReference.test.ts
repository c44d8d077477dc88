import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configReferenceMarkdown, fieldDocs } from '../../shared/docs/configReference';

const root = join(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('Module: configReference', () => {
  it('docs/configuration.md is generated from the current schemas (run `npm run docs`)', () => {
    expect(read('docs/configuration.md')).toBe(configReferenceMarkdown(read('shared/domain/policy.ts')));
  });

  it('schema/poolscale.schema.json is generated from the current schemas (run `npm run docs`)', () => {
    expect(JSON.parse(read('schema/poolscale.schema.json'))).toEqual(configJsonSchema());
  });

  it('takes field descriptions from the doc comments of the schemas', () => {
    const docs = fieldDocs('export const XSchema = z.strictObject({\n  /** Keep this many. */\n  minFree: count(),\n  other: z.string(),\n});');
    expect(docs.get('XSchema')).toEqual(new Map([['minFree', 'Keep this many.']]));
  });

  it('documents every rule type and metric source', () => {
    const markdown = read('docs/configuration.md');
    for (const rule of ['buffer', 'memory', 'steps', 'target', 'schedule', 'predictive', 'emergency']) expect(markdown).toContain(`| \`type\` | \`"${rule}"\` | required |`);
    for (const source of ['redis', 'cloudwatch', 'ecs', 'host', 'static']) expect(markdown).toContain(`\`"${source}"\``);
  });
});
