/**
 * Seed 004 (English AutoScaler): scale up when utilization exceeds `scale_up_threshold` and tasks
 * are pending, down below `scale_down_threshold`, `cooldown_period` seconds between operations,
 * metrics averaged over `metrics_window` seconds.
 */
import type { FieldProblem } from '../../domain/errors';
import { readNumber, seconds, warning, type SeedConversion } from './seedConversion';

export const SEED004_KEYS = [
  'min_workers',
  'max_workers',
  'scale_up_threshold',
  'scale_down_threshold',
  'cooldown_period',
  'metrics_window',
] as const;
/** The seed's documented initialisation (`AutoScaler(min_workers=1, max_workers=10, ...)`). */
const DEFAULTS = { min_workers: 1, max_workers: 10, scale_up_threshold: 0.8, scale_down_threshold: 0.2, cooldown_period: 300, metrics_window: 300 };
/** Arguments of the Python call that are objects, not settings. */
const WIRING = new Set(['worker_registry', 'task_distributor', 'cloud_manager']);

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function looksLikeSeed004(value: unknown): boolean {
  return isRecord(value) && ('scale_up_threshold' in value || 'scale_down_threshold' in value || 'cooldown_period' in value || 'metrics_window' in value);
}

/** True when the text contains the seed's Python `AutoScaler(...)` call. */
export function looksLikeAutoScalerCall(text: string): boolean {
  return /AutoScaler\s*\(/.test(text) && /\b(min_workers|max_workers|scale_up_threshold)\s*=/.test(text);
}

/**
 * Keyword arguments of the (last) `AutoScaler(...)` call as strings. `# comments` are dropped;
 * non-literal arguments (the registry objects) are kept as text and ignored later.
 */
export function parseAutoScalerCall(text: string): Record<string, unknown> {
  const starts = [...text.matchAll(/AutoScaler\s*\(/g)];
  const start = starts.length > 0 ? starts[starts.length - 1]!.index! + starts[starts.length - 1]![0].length : 0;
  let depth = 1;
  let end = start;
  while (end < text.length && depth > 0) {
    if (text[end] === '(') depth++;
    else if (text[end] === ')') depth--;
    end++;
  }
  const body = text.slice(start, depth === 0 ? end - 1 : end).replace(/#[^\n]*/g, '');
  const args: Record<string, unknown> = {};
  for (const match of body.matchAll(/([A-Za-z_]\w*)\s*=\s*([^,\n]+)/g)) args[match[1]!] = match[2]!.trim();
  return args;
}

export function fromSeed004(params: Record<string, unknown>): SeedConversion {
  const problems: FieldProblem[] = [];
  const min = readNumber(params, 'min_workers', DEFAULTS.min_workers, problems, { integer: true });
  const max = readNumber(params, 'max_workers', DEFAULTS.max_workers, problems, { integer: true });
  const up = readNumber(params, 'scale_up_threshold', DEFAULTS.scale_up_threshold, problems);
  const down = readNumber(params, 'scale_down_threshold', DEFAULTS.scale_down_threshold, problems);
  const cooldown = readNumber(params, 'cooldown_period', DEFAULTS.cooldown_period, problems);
  const window = readNumber(params, 'metrics_window', DEFAULTS.metrics_window, problems);
  for (const key of Object.keys(params)) {
    if (!(SEED004_KEYS as readonly string[]).includes(key) && !WIRING.has(key)) {
      problems.push(warning(key, `Ignored parameter \`${key}\` (not a seed 004 setting)`, params[key]));
    }
  }
  problems.push(
    warning('pools[0].target', 'The seed scales through its cloud manager; the imported pool has target `none` and only records decisions until you set an ECS or host target'),
  );
  return {
    problems,
    raw: {
      version: 1,
      pools: [
        {
          id: 'workers',
          description: 'Workers (seed 004): utilization thresholds with pending tasks',
          target: { kind: 'none' },
          min,
          max,
          rules: [
            {
              type: 'target',
              metric: 'utilization',
              scaleUpThreshold: up,
              scaleDownThreshold: down,
              // "Number of pending tasks is greater than 0" is a scale-up condition.
              requirePending: true,
              window: seconds(window),
            },
          ],
          // One cooldown between any two operations, as in the seed; no extra stabilization.
          behaviour: { cooldownUp: seconds(cooldown), cooldownUpFrom: 'any', cooldownDown: seconds(cooldown), stabilizationDown: 0 },
        },
      ],
    },
  };
}
