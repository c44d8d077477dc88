/**
 * Checks that need more than one field: the schema says each value is well-formed, these say the
 * values make sense together. They run on the raw (template-expanded) input so that they still
 * report when the schema has found problems elsewhere: a person fixing a config sees every
 * problem in one pass. Each check looks only at values of the right type and skips the rest
 * (the schema reports those).
 */
import type { FieldProblem } from '../domain/errors';
import { parseDuration } from '../domain/duration';
import { cronNeverFires, cronProblem, isKnownTimeZone } from './cron';
import { fieldPath, type PathSegment } from './fieldPath';

type Raw = Record<string, unknown>;

/** Observations the metric sources and targets provide without a `metrics` entry. */
export const STANDARD_METRICS = ['busy', 'free', 'utilization', 'cpu', 'mem_available_gb', 'pending', 'queue_length'] as const;

const isRecord = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const dur = (v: unknown): number | undefined => (typeof v === 'string' || typeof v === 'number' ? parseDuration(v) : undefined);

const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * Above this many workers a bound is taken for a typo (`max: 1e12`): no target poolscale drives
 * runs that many, and a manual scale accepts at most this count.
 */
export const PLAUSIBLE_MAX_WORKERS = 100_000;
const ARN = /^arn:aws[a-z-]*:ecs:/;

class Problems {
  readonly list: FieldProblem[] = [];
  error(path: PathSegment[], message: string, value: unknown) {
    this.list.push({ path: fieldPath(path), message, value, severity: 'error' });
  }
  warning(path: PathSegment[], message: string, value: unknown) {
    this.list.push({ path: fieldPath(path), message, value, severity: 'warning' });
  }
}

/** Semantic problems of a whole raw config (`{ budget?, pools: [...] }`). */
export function configSemanticProblems(config: unknown): FieldProblem[] {
  const p = new Problems();
  if (!isRecord(config) || !Array.isArray(config.pools)) return p.list;
  const pools = config.pools as unknown[];
  const seen = new Map<string, number>();
  pools.forEach((pool, i) => {
    if (!isRecord(pool)) return;
    const id = str(pool.id);
    if (id !== undefined) {
      const first = seen.get(id);
      if (first !== undefined) p.error(['pools', i, 'id'], `Duplicate pool id "${id}" (also pools[${first}])`, id);
      else seen.set(id, i);
    }
    checkPool(pool, ['pools', i], p);
  });
  if (isRecord(config.budget)) {
    const maxWorkers = num(config.budget.maxWorkers);
    const minSum = pools.reduce<number>((sum, pool) => sum + (isRecord(pool) ? (num(pool.min) ?? 0) : 0), 0);
    if (maxWorkers !== undefined && minSum > maxWorkers) {
      p.warning(
        ['budget', 'maxWorkers'],
        `The pools' minimums add up to ${minSum}, above budget.maxWorkers ${maxWorkers}: the budget cannot be met`,
        maxWorkers,
      );
    }
  }
  if (isRecord(config.budget)) {
    for (const [limit, resource] of [['maxMemoryGb', 'memoryGb'], ['maxCpu', 'cpu']] as const) {
      if (num(config.budget[limit]) === undefined) continue;
      const declared = pools.some((pool) => isRecord(pool) && isRecord(pool.resources) && (num(pool.resources[resource]) ?? 0) > 0);
      if (!declared) {
        p.warning(['budget', limit], `No pool sets resources.${resource}, so budget.${limit} never limits anything`, config.budget[limit]);
      }
    }
  }
  return p.list;
}

/** Semantic problems of one raw pool; paths are relative to `prefix`. */
export function poolSemanticProblems(pool: unknown, prefix: PathSegment[] = []): FieldProblem[] {
  const p = new Problems();
  if (isRecord(pool)) checkPool(pool, prefix, p);
  return p.list;
}

function checkPool(pool: Raw, at: PathSegment[], p: Problems): void {
  checkProtoKeys(pool, at, p);
  const min = num(pool.min);
  const max = num(pool.max);
  if (min !== undefined && max !== undefined && min > max) {
    p.error([...at, 'min'], `Expected \`min\` to be at most \`max\` (got ${min} > ${max})`, min);
  }
  for (const [key, value] of [['min', min], ['max', max]] as const) {
    if (value !== undefined && value > PLAUSIBLE_MAX_WORKERS) {
      p.warning([...at, key], `${key} ${value} is beyond any plausible pool (more than ${PLAUSIBLE_MAX_WORKERS} workers; a manual scale accepts at most ${PLAUSIBLE_MAX_WORKERS}): a typo?`, value);
    }
  }
  const interval = dur(pool.interval);
  if (interval !== undefined && interval < 1_000) {
    p.warning(
      [...at, 'interval'],
      `interval ${JSON.stringify(pool.interval)} is under one second: a pool is evaluated at most once per tick (every minute deployed, every \`--tick\` seconds in \`up\`, 1 by default), so this only means "every tick"`,
      pool.interval,
    );
  }
  if (dur(pool.staleAfter) === 0) {
    p.warning([...at, 'staleAfter'], 'staleAfter 0 makes every sample stale: the pool never scales in and falls back after a few ticks', pool.staleAfter);
  }
  checkTarget(pool.target, [...at, 'target'], p);

  const metrics = isRecord(pool.metrics) ? pool.metrics : {};
  const known = new Set<string>([...STANDARD_METRICS, ...Object.keys(metrics)]);
  const rules = Array.isArray(pool.rules) ? (pool.rules as unknown[]) : [];
  if (rules.length === 0 && pool.template === undefined) {
    p.warning([...at, 'rules'], 'Pool has no rules and no template: it only keeps its count within min/max', pool.rules);
  }
  rules.forEach((rule, j) => {
    if (isRecord(rule)) checkRule(rule, [...at, 'rules', j], { min, max, known }, p);
  });

  if (isRecord(pool.behaviour)) {
    const up = dur(pool.behaviour.cooldownUp);
    const down = dur(pool.behaviour.cooldownDown);
    if (up !== undefined && down !== undefined && down < up) {
      p.warning(
        [...at, 'behaviour', 'cooldownDown'],
        'cooldownDown is shorter than cooldownUp: the pool may shrink right after growing (flapping)',
        pool.behaviour.cooldownDown,
      );
    }
  }

  if (isRecord(pool.fallback)) {
    const action = pool.fallback.action;
    const count = num(pool.fallback.count);
    if (action === 'set' && pool.fallback.count === undefined) {
      p.error([...at, 'fallback', 'count'], 'Fallback action `set` needs a `count`', undefined);
    }
    if (action === 'set' && count !== undefined && ((min !== undefined && count < min) || (max !== undefined && count > max))) {
      p.warning([...at, 'fallback', 'count'], `Fallback count ${count} is outside min/max and will be clamped`, count);
    }
  }
}

/** Depth to which keys are checked: far deeper than any policy, shallow enough for hostile input. */
const KEY_CHECK_DEPTH = 16;

/**
 * A `__proto__` key anywhere (JSON.parse keeps it as an own key) would be dropped silently by
 * the schema's maps and by every JavaScript object reader: refuse it, naming where it is.
 */
function checkProtoKeys(value: unknown, at: PathSegment[], p: Problems): void {
  const pending: { node: unknown; path: PathSegment[] }[] = [{ node: value, path: at }];
  while (pending.length > 0) {
    const { node, path } = pending.pop()!;
    if (node === null || typeof node !== 'object' || path.length - at.length > KEY_CHECK_DEPTH) continue;
    if (Array.isArray(node)) {
      node.forEach((child, index) => pending.push({ node: child, path: [...path, index] }));
      continue;
    }
    for (const key of Object.keys(node)) {
      if (key === '__proto__') p.error([...path, key], 'The key "__proto__" cannot be stored: JavaScript object readers drop it', undefined);
      else pending.push({ node: (node as Raw)[key], path: [...path, key] });
    }
  }
}

function checkTarget(target: unknown, at: PathSegment[], p: Problems): void {
  if (!isRecord(target)) return;
  if (target.kind === 'ecs') {
    const cluster = str(target.cluster);
    const service = str(target.service);
    if (cluster && !ECS_NAME.test(cluster) && !ARN.test(cluster)) {
      p.error([...at, 'cluster'], 'Expected an ECS cluster name (letters, digits, - and _, up to 255) or ARN', cluster);
    }
    if (service && !ECS_NAME.test(service) && !ARN.test(service)) {
      p.error([...at, 'service'], 'Expected an ECS service name (letters, digits, - and _, up to 255) or ARN', service);
    }
  }
  if (target.kind === 'host') {
    for (const key of ['host', 'pool'] as const) {
      const value = str(target[key]);
      if (value && /\s/.test(value)) p.error([...at, key], `Expected a ${key} name without spaces`, value);
    }
  }
}

interface PoolFacts {
  min: number | undefined;
  max: number | undefined;
  known: Set<string>;
}

function checkMetricRef(rule: Raw, key: string, fallback: string, at: PathSegment[], facts: PoolFacts, p: Problems): void {
  const name = rule[key] === undefined ? fallback : str(rule[key]);
  if (name === undefined || facts.known.has(name)) return;
  p.warning(
    rule[key] === undefined ? at : [...at, key],
    `Metric "${name}" is neither defined in \`metrics\` nor a standard observation (${STANDARD_METRICS.join(', ')})`,
    name,
  );
}

function checkRule(rule: Raw, at: PathSegment[], facts: PoolFacts, p: Problems): void {
  switch (rule.type) {
    case 'buffer': {
      const minFree = num(rule.minFree);
      const batch = num(rule.batch);
      const maxFree = num(rule.maxFree);
      if (minFree !== undefined && batch !== undefined && batch < minFree) {
        // Seed 000 best practice: SCALE_BATCH >= MIN_FREE_BOTS.
        p.warning(
          [...at, 'batch'],
          `batch (${batch}) is below minFree (${minFree}): one shortage will take several scale-ups (seed 000 advises batch >= minFree)`,
          batch,
        );
      }
      if (maxFree !== undefined && minFree !== undefined) {
        if (maxFree < minFree) {
          p.error([...at, 'maxFree'], `Expected \`maxFree\` to be at least \`minFree\` (got ${maxFree} < ${minFree})`, maxFree);
        } else if (batch !== undefined && maxFree < minFree + batch) {
          p.warning(
            [...at, 'maxFree'],
            `maxFree (${maxFree}) is below minFree + batch (${minFree + batch}): a scale-up can be followed by a scale-in (flapping)`,
            maxFree,
          );
        }
      }
      checkMetricRef(rule, 'busyMetric', 'busy', at, facts, p);
      checkMetricRef(rule, 'freeMetric', 'free', at, facts, p);
      return;
    }
    case 'memory':
      checkMetricRef(rule, 'metric', 'mem_available_gb', at, facts, p);
      return;
    case 'steps':
      checkSteps(rule, at, facts, p);
      checkMetricRef(rule, 'metric', 'cpu', at, facts, p);
      if (rule.memoryPerWorkerGb !== undefined || rule.scaleDownMinAvailableGb !== undefined) {
        checkMetricRef(rule, 'memoryMetric', 'mem_available_gb', at, facts, p);
      }
      return;
    case 'target': {
      const up = num(rule.scaleUpThreshold);
      const down = num(rule.scaleDownThreshold);
      const hasTarget = rule.targetValue !== undefined || rule.perWorker !== undefined;
      if (!hasTarget && rule.scaleUpThreshold === undefined && rule.scaleDownThreshold === undefined) {
        p.error(at, 'A target rule needs `targetValue`, `perWorker`, or `scaleUpThreshold`/`scaleDownThreshold`', rule);
      }
      if (up !== undefined && down !== undefined && down >= up) {
        p.error(
          [...at, 'scaleDownThreshold'],
          `Expected \`scaleDownThreshold\` to be below \`scaleUpThreshold\` (got ${down} >= ${up})`,
          down,
        );
      }
      if (!hasTarget && (up === undefined) !== (down === undefined)) {
        const missing = up === undefined ? 'scaleUpThreshold' : 'scaleDownThreshold';
        p.warning([...at, missing], `Only one threshold is set: the rule never scales ${up === undefined ? 'up' : 'down'}`, undefined);
      }
      if (rule.beta !== undefined && rule.perWorker === undefined) {
        p.warning([...at, 'beta'], '`beta` (square-root staffing) applies only with `perWorker`: it is ignored here', rule.beta);
      }
      if (rule.spread === 'observed' && (rule.beta === undefined || rule.perWorker === undefined || (typeof rule.beta === 'number' && rule.beta <= 0))) {
        p.warning([...at, 'spread'], '`spread: observed` measures the headroom of square-root staffing: it applies only with `perWorker` and a `beta` above 0, and is ignored here', rule.spread);
      }
      if (rule.lead !== undefined && rule.spread !== 'observed') {
        p.warning([...at, 'lead'], '`lead` sets how far ahead the observed trend is added: it applies only with `spread: observed`, and is ignored here', rule.lead);
      }
      checkMetricRef(rule, 'metric', 'utilization', at, facts, p);
      if (rule.requirePending === true) checkMetricRef(rule, 'pendingMetric', 'pending', at, facts, p);
      return;
    }
    case 'schedule':
      if (Array.isArray(rule.windows)) {
        (rule.windows as unknown[]).forEach((w, k) => {
          if (isRecord(w)) checkWindow(w, [...at, 'windows', k], facts, p);
        });
      }
      return;
    case 'predictive':
      checkMetricRef(rule, 'metric', 'busy', at, facts, p);
      return;
    case 'emergency': {
      const cap = num(rule.cap);
      if (cap !== undefined && facts.min !== undefined && cap < facts.min) {
        p.error([...at, 'cap'], `Expected \`cap\` to be at least the pool's \`min\` (got ${cap} < ${facts.min})`, cap);
      }
      if (cap !== undefined && facts.max !== undefined && cap > facts.max) {
        p.warning([...at, 'cap'], `cap (${cap}) is above the pool's max (${facts.max}); max still applies`, cap);
      }
      checkMetricRef(rule, 'metric', 'utilization', at, facts, p);
      return;
    }
    default:
      return;
  }
}

function checkSteps(rule: Raw, at: PathSegment[], facts: PoolFacts, p: Problems): void {
  const up = stepList(rule.up, 'above');
  const down = stepList(rule.down, 'below');
  if (up.length === 0 && down.length === 0 && Array.isArray(rule.up) && Array.isArray(rule.down)) {
    p.warning(at, 'A steps rule with no `up` or `down` steps proposes nothing', undefined);
  }

  // Up steps: a higher threshold must ask for more workers, else which step applies is ambiguous.
  const upSorted = [...up].sort((a, b) => a.threshold - b.threshold);
  for (let k = 1; k < upSorted.length; k++) {
    const lower = upSorted[k - 1]!;
    const higher = upSorted[k]!;
    if (higher.threshold === lower.threshold) {
      p.error([...at, 'up', higher.index, 'above'], `Two up steps share the threshold ${higher.threshold}`, higher.threshold);
    } else if (higher.workers <= lower.workers) {
      p.error(
        [...at, 'up', higher.index, 'workers'],
        `Up steps are not monotonic: above ${higher.threshold} asks for ${higher.workers} worker(s), not more than the ${lower.workers} asked above ${lower.threshold}`,
        higher.workers,
      );
    }
  }
  // Down steps: a lower threshold must leave fewer (or as many) workers.
  const downSorted = [...down].sort((a, b) => a.threshold - b.threshold);
  for (let k = 1; k < downSorted.length; k++) {
    const lower = downSorted[k - 1]!;
    const higher = downSorted[k]!;
    if (higher.threshold === lower.threshold) {
      p.error([...at, 'down', higher.index, 'below'], `Two down steps share the threshold ${higher.threshold}`, higher.threshold);
    } else if (lower.workers > higher.workers) {
      p.error(
        [...at, 'down', lower.index, 'workers'],
        `Down steps are not monotonic: below ${lower.threshold} leaves ${lower.workers} worker(s), more than the ${higher.workers} left below ${higher.threshold}`,
        lower.workers,
      );
    }
  }
  // A down threshold at or above the lowest up threshold means one reading asks for both.
  const lowestUp = upSorted[0];
  if (lowestUp) {
    for (const step of down) {
      if (step.threshold >= lowestUp.threshold) {
        p.error(
          [...at, 'down', step.index, 'below'],
          `Down threshold ${step.threshold} overlaps the lowest up threshold ${lowestUp.threshold}: a reading between them both scales up and down`,
          step.threshold,
        );
      }
    }
  }
  for (const step of up) {
    if (facts.max !== undefined && step.workers > facts.max) {
      p.warning([...at, 'up', step.index, 'workers'], `Step asks for ${step.workers} worker(s), above the pool's max (${facts.max}); max applies`, step.workers);
    }
  }
  for (const step of down) {
    if (facts.min !== undefined && step.workers < facts.min) {
      p.warning([...at, 'down', step.index, 'workers'], `Step leaves ${step.workers} worker(s), below the pool's min (${facts.min}); min applies`, step.workers);
    }
  }
}

function stepList(value: unknown, key: 'above' | 'below'): { index: number; threshold: number; workers: number }[] {
  if (!Array.isArray(value)) return [];
  const out: { index: number; threshold: number; workers: number }[] = [];
  (value as unknown[]).forEach((step, index) => {
    if (!isRecord(step)) return;
    const threshold = num(step[key]);
    const workers = num(step.workers);
    if (threshold !== undefined && workers !== undefined) out.push({ index, threshold, workers });
  });
  return out;
}

function checkWindow(w: Raw, at: PathSegment[], facts: PoolFacts, p: Problems): void {
  const cron = str(w.cron);
  if (cron !== undefined && cron.trim() !== '') {
    const problem = cronProblem(cron);
    if (problem) p.error([...at, 'cron'], problem, cron);
    else {
      const never = cronNeverFires(cron);
      if (never) p.warning([...at, 'cron'], never, cron);
    }
  }
  if (dur(w.duration) === 0) {
    p.warning([...at, 'duration'], 'A window of 0s closes as it opens: it never applies (omit `duration` to keep it open while the cron matches)', w.duration);
  }
  const zone = str(w.timezone);
  if (zone !== undefined && zone !== '' && !isKnownTimeZone(zone)) {
    p.error([...at, 'timezone'], `Unknown IANA time zone "${zone}" (e.g. "UTC", "Europe/Madrid")`, zone);
  }
  const min = num(w.min);
  const max = num(w.max);
  if (min !== undefined && max !== undefined && min > max) {
    p.error([...at, 'min'], `Expected \`min\` to be at most \`max\` (got ${min} > ${max})`, min);
  }
  if (w.min === undefined && w.max === undefined) {
    p.warning(at, 'Schedule window sets neither `min` nor `max`: it has no effect', undefined);
  }
  if (min !== undefined && facts.max !== undefined && min > facts.max) {
    p.warning([...at, 'min'], `Window floor ${min} is above the pool's max (${facts.max}); max applies`, min);
  }
}
