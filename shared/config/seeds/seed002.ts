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
const KNOWN = new Set(['scaling_policies', 'resource_limits', 'evaluation_interval', 'enabled', 'scheduled_scaling']);
/** Seed sections poolscale covers differently (templates already carry predictive/emergency). */
const COVERED_ELSEWHERE = new Set(['predictive_scaling', 'event_scaling']);

/**
 * The seed's `@default_schedules` as schedule windows. The seed runs `{:scale_to, N}` at a time
 * of day; poolscale windows hold a floor or ceiling for a while instead, so "scale to 8 at 08:00
 * on weekdays, to 4 at 18:00" becomes "at least 8 from 08:00 for 10 hours", and the weekend and
 * maintenance scale-downs become ceilings until the matching scale-up.
 */
const DEFAULT_SCHEDULES: Record<string, Record<string, unknown>[]> = {
  business_hours: [{ name: 'business_hours', cron: '0 8 * * 1-5', duration: '10h', min: 8 }],
  weekend_schedule: [{ name: 'weekend', cron: '0 22 * * 5', duration: '58h', max: 2 }],
  maintenance_window: [{ name: 'maintenance', cron: '0 2 * * 0', duration: '2h', max: 1 }],
};

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
  const schedules = block('scheduled_scaling');
  if (schedules !== undefined) {
    const scheduled: Record<string, unknown> = {};
    const enabled = /\benabled:\s*(true|false)/.exec(schedules);
    if (enabled) scheduled.enabled = enabled[1] === 'true';
    const zone = /\btimezone:\s*"([^"]*)"/.exec(schedules);
    if (zone) scheduled.timezone = zone[1];
    const names = /\bdefault_schedules:\s*\[([^\]]*)\]/.exec(schedules);
    if (names) scheduled.default_schedules = [...names[1]!.matchAll(/:?"?([A-Za-z_]\w*)"?/g)].map((m) => m[1]!);
    out.scheduled_scaling = scheduled;
  }
  for (const key of ['predictive_scaling', 'event_scaling']) {
    const body = block(key);
    if (body !== undefined) out[key] = `%{${body.replace(/\s+/g, ' ').trim()}}`;
  }
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
    if (COVERED_ELSEWHERE.has(key)) problems.push(warning(key, `\`${key}\` is not imported: the templates already add forecast-only predictive rules and (high_performance) emergency rules`, value[key]));
    else if (!KNOWN.has(key)) problems.push(warning(key, `Ignored setting \`${key}\` (not a seed 002 setting)`, value[key]));
  }
  // The seed's evaluation_interval is in milliseconds (60_000 = every minute).
  const intervalMs = value.evaluation_interval === undefined ? undefined : readNumber(value, 'evaluation_interval', 60_000, problems, { integer: true });

  const scheduleRule = readSchedules(value.scheduled_scaling, problems);

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
      // A schedule rule of its own; the template still adds its target/predictive/emergency rules.
      ...(scheduleRule ? { rules: [scheduleRule] } : {}),
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
      raw.budget = budget;
    }
  }
  return { problems, raw };
}

/** `scheduled_scaling: {enabled, timezone, default_schedules: [...]}` as one schedule rule. */
function readSchedules(value: unknown, problems: FieldProblem[]): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    problems.push(error('scheduled_scaling', 'Expected a map with enabled, timezone and default_schedules', value));
    return undefined;
  }
  if (value.enabled === false) return undefined;
  const timezone = typeof value.timezone === 'string' ? value.timezone : 'UTC';
  const names = Array.isArray(value.default_schedules) ? value.default_schedules.map(String) : [];
  const windows: Record<string, unknown>[] = [];
  names.forEach((name, index) => {
    const known = DEFAULT_SCHEDULES[name.replace(/^:/, '')];
    if (!known) {
      problems.push(error(`scheduled_scaling.default_schedules[${index}]`, `Unknown schedule; the seed defines ${Object.keys(DEFAULT_SCHEDULES).join(', ')}`, name));
      return;
    }
    windows.push(...known.map((w) => ({ ...w, timezone })));
  });
  if (windows.length === 0) return undefined;
  problems.push(
    warning(
      'scheduled_scaling',
      `Imported ${names.join(', ')} as windows holding a floor/ceiling (the seed sets a count at a time of day instead); review them per pool`,
    ),
  );
  return { type: 'schedule', name: 'default_schedules', windows };
}
