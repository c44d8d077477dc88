/** Config formats `poolscale validate/import` read: the native one and the five seed formats. */
export const FORMATS = ['poolscale', 'seed000-env', 'seed001-env', 'seed002-templates', 'seed003-json', 'seed004-json'] as const;
export type Format = (typeof FORMATS)[number];

const ALIASES: Record<string, Format> = {
  native: 'poolscale',
  yaml: 'poolscale',
  '000': 'seed000-env',
  '001': 'seed001-env',
  '002': 'seed002-templates',
  '003': 'seed003-json',
  '004': 'seed004-json',
};

/** Accepts a format name or a short alias (`000`, `native`); undefined when unknown. */
export function toFormat(name: string): Format | undefined {
  const lower = name.trim().toLowerCase();
  if ((FORMATS as readonly string[]).includes(lower)) return lower as Format;
  return ALIASES[lower];
}

export const FORMAT_DESCRIPTIONS: Record<Format, string> = {
  poolscale: 'poolscale YAML/JSON config (`pools:`)',
  'seed000-env': 'seed 000 bot pool env (MIN_FREE_BOTS, MAX_TOTAL_BOTS, SCALE_BATCH, CHECK_INTERVAL)',
  'seed001-env': 'seed 001 Celery memory env (MEMORY_THRESHOLD_GB, WORKER_MEMORY_LIMIT_GB, ...)',
  'seed002-templates': 'seed 002 DSPex scaling_policies/resource_limits (YAML, JSON or Elixir config)',
  'seed003-json': 'seed 003 per-project JSON (min_workers, max_workers, cpu_thresholds, ...)',
  'seed004-json': 'seed 004 AutoScaler parameters (JSON or the Python AutoScaler(...) call)',
};
