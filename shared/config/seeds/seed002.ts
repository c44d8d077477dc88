/**
 * Seed 002 (DSPex dynamic scaling, Elixir): pools named after their type, each with a policy
 * template (`scaling_policies: %{general: :conservative, ...}`), and system-wide
 * `resource_limits` that become the global budget. Read from YAML/JSON with the same keys, or
 * from the seed's own `config :dspex, ...` block.
 */
import type { FieldProblem } from '../../domain/errors';
import { TEMPLATE_NAMES } from '../../domain/policy';
import { isTemplateName } from '../templates';
import { error, readNumber, toPoolId, warning, type SeedConversion } from './seedConversion';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const KNOWN = new Set(['scaling_policies', 'resource_limits', 'evaluation_interval', 'enabled']);
/** Seed sections poolscale covers differently (templates already carry predictive/emergency). */
const COVERED_ELSEWHERE = new Set(['predictive_scaling', 'scheduled_scaling', 'event_scaling']);

export function looksLikeSeed002(value: unknown): boolean {
  return isRecord(value) && isRecord(value.scaling_policies);
}

/** True when the text is the seed's Elixir config (`scaling_policies: %{`). */
export function looksLikeElixirConfig(text: string): boolean {
  return /scaling_policies:\s*%\{/.test(text);
}

/**
 * Reads the parts of the seed's Elixir config poolscale uses: the `scaling_policies` and
 * `resource_limits` maps and `evaluation_interval`. Numbers may use `_` separators (16_000).
 */
export function parseElixirConfig(text: string): Record<string, unknown> {
  const code = text.replace(/#[^\n]*/g, '');
  const out: Record<string, unknown> = {};
  const block = (name: string) => new RegExp(`${name}:\\s*%\\{([^}]*)\\}`, 's').exec(code)?.[1];
  const policies = block('scaling_policies');
  if (policies !== undefined) {
    const map: Record<string, unknown> = {};
    for (const m of policies.matchAll(/([A-Za-z_]\w*):\s*:?"?([A-Za-z_]\w*)"?/g)) map[m[1]!] = m[2]!;
    out.scaling_policies = map;
  }
  const limits: Record<string, unknown> = {};
  const limitsBlock = block('resource_limits');
  for (const m of (limitsBlock ?? '').matchAll(/([A-Za-z_]\w*):\s*([\d_]+(?:\.\d+)?)/g)) limits[m[1]!] = Number(m[2]!.replace(/_/g, ''));
  // `max_total_workers: 100,` lines outside a resource_limits block count too.
  for (const key of ['max_total_workers', 'max_memory_usage', 'max_cpu_cores']) {
    if (limits[key] !== undefined) continue;
    const m = new RegExp(`\\b${key}:\\s*([\\d_]+(?:\\.\\d+)?)`).exec(code);
    if (m) limits[key] = Number(m[1]!.replace(/_/g, ''));
  }
  if (Object.keys(limits).length > 0) out.resource_limits = limits;
  const interval = /\bevaluation_interval:\s*([\d_]+)/.exec(code);
  if (interval) out.evaluation_interval = Number(interval[1]!.replace(/_/g, ''));
  return out;
}

export function fromSeed002(value: unknown): SeedConversion {
  const problems: FieldProblem[] = [];
  const pools: Record<string, unknown>[] = [];
  if (!isRecord(value) || !isRecord(value.scaling_policies)) {
    problems.push(error('scaling_policies', 'Expected a map of pool name -> template name', isRecord(value) ? value.scaling_policies : value));
    return { problems, raw: { version: 1, pools } };
  }
  for (const key of Object.keys(value)) {
    if (COVERED_ELSEWHERE.has(key)) problems.push(warning(key, `\`${key}\` is not imported: templates set predictive and emergency rules; add schedule rules by hand`, value[key]));
    else if (!KNOWN.has(key)) problems.push(warning(key, `Ignored setting \`${key}\` (not a seed 002 setting)`, value[key]));
  }
  // The seed's evaluation_interval is in milliseconds (60_000 = every minute).
  const intervalMs = value.evaluation_interval === undefined ? undefined : readNumber(value, 'evaluation_interval', 60_000, problems, { integer: true });

  for (const [name, entry] of Object.entries(value.scaling_policies)) {
    const path = `scaling_policies.${name}`;
    const settings = isRecord(entry) ? entry : { template: entry };
    const template = settings.template ?? settings.policy;
    if (!isTemplateName(template)) {
      problems.push(error(isRecord(entry) ? `${path}.template` : path, `Expected a template: ${TEMPLATE_NAMES.join(', ')}`, template));
      continue;
    }
    const min = readNumber(settings, settings.min_workers !== undefined ? 'min_workers' : 'min', 1, problems, { integer: true, path: `${path}.min`, warnMissing: false });
    const max = readNumber(settings, settings.max_workers !== undefined ? 'max_workers' : 'max', 10, problems, { integer: true, path: `${path}.max`, warnMissing: false });
    pools.push({
      id: toPoolId(name),
      description: `DSPex ${name} pool (seed 002, template ${template})`,
      target: { kind: 'none' },
      template,
      min,
      max,
      ...(intervalMs !== undefined ? { interval: `${intervalMs}ms` } : {}),
    });
  }
  if (pools.length > 0) problems.push(warning('scaling_policies', 'Imported pools have target `none` and only record decisions until you set their targets'));

  const raw: SeedConversion['raw'] = { version: 1, pools };
  if (value.resource_limits !== undefined) {
    if (!isRecord(value.resource_limits)) {
      problems.push(error('resource_limits', 'Expected a map of limits', value.resource_limits));
    } else {
      const limits = value.resource_limits;
      const budget: Record<string, unknown> = {};
      if (limits.max_total_workers !== undefined) budget.maxWorkers = readNumber(limits, 'max_total_workers', 0, problems, { integer: true, path: 'resource_limits.max_total_workers' });
      // max_memory_usage is in MB; the seed annotates 16_000 as "16GB".
      if (limits.max_memory_usage !== undefined) budget.maxMemoryGb = readNumber(limits, 'max_memory_usage', 0, problems, { path: 'resource_limits.max_memory_usage' }) / 1000;
      if (limits.max_cpu_cores !== undefined) budget.maxCpu = readNumber(limits, 'max_cpu_cores', 0, problems, { path: 'resource_limits.max_cpu_cores' });
      for (const key of Object.keys(limits)) {
        if (!['max_total_workers', 'max_memory_usage', 'max_cpu_cores'].includes(key)) {
          problems.push(warning(`resource_limits.${key}`, `Ignored limit \`${key}\``, limits[key]));
        }
      }
      if ((budget.maxMemoryGb !== undefined || budget.maxCpu !== undefined) && pools.length > 0) {
        problems.push(warning('resource_limits', 'Memory/CPU budgets apply only to pools with `resources` set (memoryGb/cpu per worker); set them per pool'));
      }
      raw.budget = budget;
    }
  }
  return { problems, raw };
}
