/**
 * Seed 003 (Spanish per-project autoscaler): every 2 minutes, per project, CPU above
 * `scale_up_N` for `cpu_duration_minutes.scale_up` minutes -> N workers; below `scale_down_N`
 * for `scale_down` minutes -> N workers. Scale up only with >= 500 MB available per worker,
 * scale down only with > 8 GB available.
 */
import type { FieldProblem } from '../../domain/errors';
import { error, readBoolean, readNumber, toPoolId, warning, type SeedConversion } from './seedConversion';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const PROJECT_KEYS = new Set(['enabled', 'min_workers', 'max_workers', 'cpu_thresholds', 'cpu_duration_minutes']);

/** True when `value` is an object of projects in the seed's shape. */
export function looksLikeSeed003(value: unknown): boolean {
  const projects = unwrap(value);
  if (!isRecord(projects)) return false;
  const entries = Object.values(projects);
  return entries.length > 0 && entries.every((p) => isRecord(p) && ('cpu_thresholds' in p || ('min_workers' in p && 'max_workers' in p && !('scale_up_threshold' in p))));
}

/** The seed's file may hold the projects at the top or under `projects`. */
function unwrap(value: unknown): unknown {
  return isRecord(value) && isRecord(value.projects) && Object.keys(value).length === 1 ? value.projects : value;
}

export function fromSeed003(value: unknown, options: { host?: string } = {}): SeedConversion {
  const problems: FieldProblem[] = [];
  const projects = unwrap(value);
  const pools: Record<string, unknown>[] = [];
  if (!isRecord(projects)) {
    problems.push(error('', 'Expected an object of project name -> settings', value));
    return { problems, raw: { version: 1, pools } };
  }
  const host = options.host ?? 'victus';
  const ids = new Map<string, string>();
  for (const [name, project] of Object.entries(projects)) {
    if (!isRecord(project)) {
      problems.push(error(name, 'Expected the project settings object', project));
      continue;
    }
    const unknown = Object.keys(project).filter((k) => !PROJECT_KEYS.has(k));
    for (const key of unknown) problems.push(warning(`${name}.${key}`, `Ignored setting \`${key}\` (not a seed 003 setting)`, project[key]));

    const id = toPoolId(name);
    const clash = ids.get(id);
    if (clash !== undefined) problems.push(error(name, `Project "${name}" maps to the same pool id "${id}" as "${clash}"`, name));
    ids.set(id, name);

    const enabled = readBoolean(project, 'enabled', true, problems, `${name}.enabled`);
    const min = readNumber(project, 'min_workers', 1, problems, { integer: true, path: `${name}.min_workers` });
    const thresholds = isRecord(project.cpu_thresholds) ? project.cpu_thresholds : {};
    if (project.cpu_thresholds !== undefined && !isRecord(project.cpu_thresholds)) {
      problems.push(error(`${name}.cpu_thresholds`, 'Expected an object of scale_up_N / scale_down_N thresholds', project.cpu_thresholds));
    }
    const up: { above: number; workers: number }[] = [];
    const down: { below: number; workers: number }[] = [];
    for (const [key, raw] of Object.entries(thresholds)) {
      const path = `${name}.cpu_thresholds.${key}`;
      const match = /^scale_(up|down)_(\d+)$/.exec(key);
      if (!match) {
        problems.push(error(path, 'Expected a key named scale_up_N or scale_down_N (N = worker count)', raw));
        continue;
      }
      if (typeof raw !== 'number' || !Number.isFinite(raw)) {
        problems.push(error(path, 'Expected a CPU percentage', raw));
        continue;
      }
      const workers = Number(match[2]);
      if (match[1] === 'up') up.push({ above: raw, workers });
      else down.push({ below: raw, workers });
    }
    up.sort((a, b) => a.above - b.above);
    down.sort((a, b) => b.below - a.below);
    const highestStep = Math.max(min, ...up.map((s) => s.workers));
    const max = readNumber(project, 'max_workers', highestStep, problems, { integer: true, path: `${name}.max_workers` });
    const durations = isRecord(project.cpu_duration_minutes) ? project.cpu_duration_minutes : {};
    const upMinutes = readNumber(durations, 'scale_up', 3, problems, { path: `${name}.cpu_duration_minutes.scale_up`, warnMissing: false });
    const downMinutes = readNumber(durations, 'scale_down', 15, problems, { path: `${name}.cpu_duration_minutes.scale_down`, warnMissing: false });

    pools.push({
      id,
      description: `Project ${name} (seed 003): sustained CPU steps with memory checks`,
      target: { kind: 'host', host, pool: name },
      min,
      max,
      // The seed monitors every project every 2 minutes.
      interval: '2m',
      enabled,
      metrics: {
        cpu: { source: 'host', type: 'cpu' },
        mem_available_gb: { source: 'host', type: 'mem_available_gb' },
      },
      rules: [
        {
          type: 'steps',
          metric: 'cpu',
          up,
          down,
          upFor: minutes(upMinutes),
          downFor: minutes(downMinutes),
          // "Memoria disponible >= 500MB por worker" / "> 8GB" (with 18 GB RAM).
          memoryPerWorkerGb: 0.5,
          // "NO escalar si: memoria insuficiente": a step that would not fit is not taken at all.
          onShortMemory: 'hold',
          scaleDownMinAvailableGb: 8,
        },
      ],
      // The sustain durations already damp changes; extra cooldowns would slow the seed down.
      behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
    });
  }
  if (Object.keys(projects).length === 0) problems.push(error('', 'No projects in the file', projects));
  return { problems, raw: { version: 1, pools } };
}

function minutes(value: number): string {
  return Number.isInteger(value) ? `${value}m` : `${Math.round(value * 60)}s`;
}
