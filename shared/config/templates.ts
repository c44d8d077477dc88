/**
 * Seed 002 templates applied to a raw pool before parsing. It runs on the raw input (not the
 * parsed policy) so that "did the user set this?" is still answerable: after parsing, schema
 * defaults are indistinguishable from explicit values. Explicit pool settings always win.
 */
import { formatDuration } from '../domain/duration';
import { TEMPLATES } from '../domain/templates';
import type { TemplateName } from '../domain/policy';

type Raw = Record<string, unknown>;

const isRecord = (value: unknown): value is Raw => value !== null && typeof value === 'object' && !Array.isArray(value);

export function isTemplateName(value: unknown): value is TemplateName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(TEMPLATES, value);
}

/**
 * Returns a copy of the raw pool with its template's behaviour and rules filled in: cooldowns
 * (and no stabilisation window, which the seed does not have),
 * a `target` rule on `utilization`, a forecast-only `predictive` rule when the template predicts,
 * and an `emergency` rule when it has emergency scaling. A rule type the pool already has is not
 * added again, so expanding twice changes nothing. Anything that is not a pool with a known
 * template is returned unchanged (the schema reports it).
 */
export function expandTemplate(pool: unknown): unknown {
  if (!isRecord(pool) || !isTemplateName(pool.template)) return pool;
  const name = pool.template;
  const t = TEMPLATES[name];
  const out: Raw = { ...pool };

  if (out.behaviour === undefined || isRecord(out.behaviour)) {
    const behaviour: Raw = { ...((out.behaviour as Raw | undefined) ?? {}) };
    if (behaviour.cooldownUp === undefined) behaviour.cooldownUp = formatDuration(t.cooldownUp);
    if (behaviour.cooldownDown === undefined) behaviour.cooldownDown = formatDuration(t.cooldownDown);
    // The seed scales down once its cooldown has passed: no stabilisation window on top.
    if (behaviour.stabilizationDown === undefined) behaviour.stabilizationDown = '0s';
    out.behaviour = behaviour;
  }

  if (out.rules === undefined || Array.isArray(out.rules)) {
    const rules = [...((out.rules as unknown[] | undefined) ?? [])];
    const has = (type: string) => rules.some((r) => isRecord(r) && r.type === type);
    if (!has('target')) {
      rules.push({
        type: 'target',
        name: `template:${name}`,
        metric: 'utilization',
        // Threshold style, `scaling_increment` workers per scaling event as in the seed (no
        // targetValue: that would let a proportional estimate add more).
        scaleUpThreshold: t.scaleUpThreshold,
        scaleDownThreshold: t.scaleDownThreshold,
        increment: t.increment,
      });
    }
    if (t.predictive && !has('predictive')) {
      // Forecast-only: the seed's predictions are advisory until the operator opts in.
      rules.push({ type: 'predictive', name: `template:${name}`, mode: 'forecast-only' });
    }
    if (t.emergency && !has('emergency')) {
      rules.push({
        type: 'emergency',
        name: `template:${name}`,
        metric: 'utilization',
        above: t.emergency.threshold,
        add: t.emergency.maxEmergencyWorkers,
      });
    }
    out.rules = rules;
  }
  return out;
}

/** Expands every pool of a raw config. */
export function expandTemplates(config: unknown): unknown {
  if (!isRecord(config) || !Array.isArray(config.pools)) return config;
  return { ...config, pools: config.pools.map(expandTemplate) };
}

