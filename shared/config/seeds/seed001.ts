/**
 * Seed 001 (Russian Celery memory monitor): as many workers as fit in available memory minus a
 * 4 GB system reserve, one fewer below MEMORY_THRESHOLD_GB, within MIN/MAX_WORKERS.
 */
import type { EnvEntry } from '../envText';
import { readBoolean, readNumber, seconds, warning, type SeedConversion } from './seedConversion';

export const SEED001_KEYS = [
  'MEMORY_THRESHOLD_GB',
  'MAX_WORKERS',
  'MIN_WORKERS',
  'MEMORY_CHECK_INTERVAL',
  'WORKER_MEMORY_LIMIT_GB',
  'ENABLE_AUTO_SCALING',
] as const;
/** Keys only seed 001 uses (MIN/MAX_WORKERS alone could be anything). */
export const SEED001_MARKERS = ['MEMORY_THRESHOLD_GB', 'WORKER_MEMORY_LIMIT_GB', 'MEMORY_CHECK_INTERVAL', 'ENABLE_AUTO_SCALING'] as const;
/** The seed's base `.env` values. */
const DEFAULTS = { MEMORY_THRESHOLD_GB: 8, MAX_WORKERS: 6, MIN_WORKERS: 1, MEMORY_CHECK_INTERVAL: 30, WORKER_MEMORY_LIMIT_GB: 4 };

export function fromSeed001(env: Map<string, EnvEntry>): SeedConversion {
  const problems: SeedConversion['problems'] = [];
  const vars = Object.fromEntries([...env].map(([k, v]) => [k, v.value]));
  const thresholdGb = readNumber(vars, 'MEMORY_THRESHOLD_GB', DEFAULTS.MEMORY_THRESHOLD_GB, problems);
  const max = readNumber(vars, 'MAX_WORKERS', DEFAULTS.MAX_WORKERS, problems, { integer: true });
  const min = readNumber(vars, 'MIN_WORKERS', DEFAULTS.MIN_WORKERS, problems, { integer: true });
  const interval = readNumber(vars, 'MEMORY_CHECK_INTERVAL', DEFAULTS.MEMORY_CHECK_INTERVAL, problems);
  const perWorkerGb = readNumber(vars, 'WORKER_MEMORY_LIMIT_GB', DEFAULTS.WORKER_MEMORY_LIMIT_GB, problems);
  const enabled = readBoolean(vars, 'ENABLE_AUTO_SCALING', true, problems);
  // The seed's production host is a Dell R620; HOSTNAME names the agent when the file has it.
  const host = vars.HOSTNAME?.trim() || 'r620';

  const ignored = [...env.keys()].filter((k) => !(SEED001_KEYS as readonly string[]).includes(k) && k !== 'HOSTNAME');
  if (ignored.length > 0) problems.push(warning('(file)', `Ignored variables that are not seed 001 settings: ${ignored.join(', ')}`));

  return {
    problems,
    raw: {
      version: 1,
      pools: [
        {
          id: 'celery',
          description: `Celery workers (seed 001): memory fit, ${perWorkerGb} GB per worker, 4 GB reserve`,
          target: { kind: 'host', host, pool: 'celery' },
          min,
          max,
          interval: seconds(interval),
          enabled,
          metrics: { mem_available_gb: { source: 'host', type: 'mem_available_gb' } },
          rules: [{ type: 'memory', perWorkerGb, thresholdGb, reserveGb: 4 }],
          // The seed moves straight to the computed count on every check.
          behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
        },
      ],
    },
  };
}
