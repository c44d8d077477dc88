/**
 * The configuration reference and the JSON Schema, generated from the zod schemas in
 * shared/domain/policy.ts (types, defaults, limits) and the doc comments on their fields
 * (descriptions). `npm run docs` writes them; a test fails when they are out of date.
 */
import ts from 'typescript';
import { z } from 'zod';
import { formatDuration } from '../domain/duration';
import * as policy from '../domain/policy';

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: JsonSchema | boolean;
};

/** The JSON Schema of a config file, for editor completion (`# yaml-language-server: $schema=...`). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(policy.ConfigSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://poolscale.dev/schema/poolscale.schema.json',
    title: 'poolscale configuration',
  };
}

/** Doc comments of each `XxxSchema = z.strictObject({ ... })` property, from the source text. */
export function fieldDocs(source: string): Map<string, Map<string, string>> {
  const file = ts.createSourceFile('policy.ts', source, ts.ScriptTarget.Latest, true);
  const docs = new Map<string, Map<string, string>>();
  const visit = (node: ts.Node) => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const name = node.name.text;
      const findObject = (expr: ts.Node): ts.ObjectLiteralExpression | undefined => {
        if (ts.isCallExpression(expr)) {
          const arg = expr.arguments[0];
          if (arg && ts.isObjectLiteralExpression(arg)) return arg;
          return findObject(expr.expression);
        }
        if (ts.isPropertyAccessExpression(expr)) return findObject(expr.expression);
        return undefined;
      };
      const object = findObject(node.initializer);
      if (object) {
        const fields = new Map<string, string>();
        for (const property of object.properties) {
          if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue;
          const comment = ts
            .getJSDocCommentsAndTags(property)
            .map((doc) => (typeof doc.comment === 'string' ? doc.comment : ''))
            .join(' ')
            .replace(/\s+/g, ' ')
            .trim();
          if (comment) fields.set(property.name.text, comment);
        }
        docs.set(name, fields);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return docs;
}

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' | ');
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const kinds = variants.map((variant) => variant.properties?.kind?.const ?? variant.properties?.source?.const ?? variant.properties?.type?.const);
    if (kinds.every((kind) => kind !== undefined)) return `one of: ${[...new Set(kinds)].map((kind) => `\`${String(kind)}\``).join(', ')} (see below)`;
    return variants.map(typeOf).join(' | ');
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.includes('string') && types.includes('number')) return 'duration (`"30s"`, `"5m"`, `"1h"` or seconds)';
  if (types[0] === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}`;
  if (types[0] === 'object' && !schema.properties) {
    const values = schema.additionalProperties;
    return values && typeof values === 'object' ? `map of name to ${typeOf(values)}` : 'map';
  }
  return types.join(' | ') || 'object';
}

function limitsOf(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.minimum !== undefined) parts.push(`>= ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER) parts.push(`<= ${schema.maximum}`);
  if (schema.minLength) parts.push('not empty');
  if (schema.minItems) parts.push(`at least ${schema.minItems}`);
  if (schema.pattern) parts.push(`matches \`${schema.pattern}\``);
  return parts.join(', ');
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A field's default from the zod definition (the input-side JSON Schema drops those behind transforms). */
function defaultOf(schema: z.ZodType, field: string, property: JsonSchema): string | undefined {
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  const def = shape?.[field]?._zod.def as { type?: string; defaultValue?: unknown } | undefined;
  const value = def?.type === 'default' ? def.defaultValue : property.default;
  if (value === undefined) return undefined;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) return 'see below';
  const isDuration = Array.isArray(property.type) && property.type.includes('string') && property.type.includes('number');
  return isDuration && typeof value === 'number' ? `\`${formatDuration(value)}\`` : `\`${JSON.stringify(value)}\``;
}

function table(schemaName: string, schema: z.ZodType, docs: Map<string, Map<string, string>>): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const required = new Set(json.required ?? []);
  const fieldDoc = docs.get(schemaName) ?? new Map<string, string>();
  const rows = Object.entries(json.properties ?? {}).map(([field, property]) => {
    const defaultValue = defaultOf(schema, field, property) ?? (required.has(field) ? 'required' : '');
    const limits = limitsOf(property);
    return `| \`${field}\` | ${cell(typeOf(property))} | ${defaultValue} | ${cell([fieldDoc.get(field) ?? '', limits ? `(${limits})` : ''].filter(Boolean).join(' '))} |`;
  });
  return ['| field | type | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

const SECTIONS: { title: string; schema: keyof typeof policy; intro?: string }[] = [
  { title: 'Config file', schema: 'ConfigSchema', intro: 'The top level of a poolscale YAML or JSON file.' },
  { title: 'Global budget (`budget`)', schema: 'BudgetSchema', intro: 'Limits scale-ups across all pools; the decision of a pool that got less says which limit and why.' },
  { title: 'Pool (`pools[]`)', schema: 'PoolSchema' },
  { title: 'Target: ECS service (`target.kind: ecs`)', schema: 'EcsTargetSchema' },
  { title: 'Target: host worker pool (`target.kind: host`)', schema: 'HostTargetSchema' },
  { title: 'Target: none, dry run (`target.kind: none`)', schema: 'NoneTargetSchema' },
  { title: 'Behaviour (`behaviour`)', schema: 'BehaviourSchema' },
  { title: 'Fallback on missing data (`fallback`)', schema: 'FallbackSchema' },
  { title: 'Worker resources (`resources`)', schema: 'WorkerResourcesSchema' },
  { title: 'Metric: Redis list length', schema: 'RedisListLengthSchema' },
  { title: 'Metric: Redis keys in a state', schema: 'RedisCountKeysSchema' },
  { title: 'Metric: Redis number', schema: 'RedisNumberSchema' },
  { title: 'Metric: Redis hash field', schema: 'RedisHashFieldSchema' },
  { title: 'Metric: CloudWatch', schema: 'CloudWatchMetricSchema' },
  { title: 'Metric: ECS service utilization', schema: 'EcsUtilizationSchema' },
  { title: 'Metric: reported by the host agent', schema: 'HostMetricSchema' },
  { title: 'Metric: static value', schema: 'StaticMetricSchema' },
  { title: 'Rule: buffer (seed 000)', schema: 'BufferRuleSchema' },
  { title: 'Rule: memory (seed 001)', schema: 'MemoryRuleSchema' },
  { title: 'Rule: steps (seed 003)', schema: 'StepsRuleSchema' },
  { title: 'Rule: target tracking (seed 004, HPA)', schema: 'TargetRuleSchema' },
  { title: 'Rule: schedule (seed 002)', schema: 'ScheduleRuleSchema' },
  { title: 'Schedule window (`windows[]`)', schema: 'ScheduleWindowSchema' },
  { title: 'Rule: predictive (seed 002)', schema: 'PredictiveRuleSchema' },
  { title: 'Rule: emergency (seed 002)', schema: 'EmergencyRuleSchema' },
];

/** Markdown reference of every config field; `policySource` is the text of shared/domain/policy.ts. */
export function configReferenceMarkdown(policySource: string): string {
  const docs = fieldDocs(policySource);
  const parts = [
    '# Configuration reference',
    '',
    '<!-- Generated by `npm run docs` from shared/domain/policy.ts. Do not edit by hand. -->',
    '',
    'Durations accept `"250ms"`, `"30s"`, `"5m"`, `"1h"`, `"1d"` or a number of seconds, up to a year (`365d`).',
    'Memory is in GiB, CPU in percent (0-100), utilization as a ratio (0-1); every number lies within',
    `±${Number.MAX_SAFE_INTEGER}. Standard metric names the rules read by`,
    'default: `busy`, `free`, `utilization`, `cpu`, `mem_available_gb`, `pending`, `queue_length`.',
    `Names JavaScript objects already have cannot be metric names (${policy.RESERVED_KEYS.map((key) => `\`${key}\``).join(', ')}),`,
    'and no map key may be `__proto__`.',
    'Editors can complete and check config files with [`schema/poolscale.schema.json`](../schema/poolscale.schema.json).',
  ];
  for (const section of SECTIONS) {
    parts.push('', `## ${section.title}`, '');
    if (section.intro) parts.push(section.intro, '');
    parts.push(table(section.schema, policy[section.schema] as z.ZodType, docs));
  }
  return `${parts.join('\n')}\n`;
}
