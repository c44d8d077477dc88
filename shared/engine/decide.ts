import type { Policy } from '../domain/policy';
import type { Action, DecideResult, Decision, MetricError, Observations, PoolState, Proposal, Reason } from '../domain/types';
import { formatDuration } from '../domain/duration';
import { humanDuration } from '../domain/humanFormat';
import { evaluateRule } from './registry';
import type { RuleContext } from './RuleContext';
import { describeMetricError, freshValues, metricErrors, recordSample, sampleRetention } from './samples';
import { learnForecast } from './forecast';
import { learnSpreads } from './spread';

/**
 * The pure decision for one pool and one tick. No clock, env, I/O or randomness: the same
 * inputs always give the same decision and state.
 *
 * Order (each step that changes the count adds a reason):
 *  1. current count and this tick's samples;
 *  2. disabled / paused (hands off: hold) / manual override (clamped into [min, max]);
 *  3. every rule proposes; the largest `desired` wins (up over none over down), ceilings lower,
 *     floors raise (a floor wins over a conflicting ceiling: more capacity is the safe side);
 *  4. missing or stale data: never scale in; fallback after `fallback.after` failing ticks;
 *  5. scale-down stabilisation, target readiness, cooldowns (urgent proposals bypass the
 *     up cooldown and the up step limit), step limits; then hard (memory) ceilings, which
 *     shed workers that do not fit without waiting for any of those;
 *  6. [min, max] bounds, always last.
 * A pool whose target cannot be read and whose count is not yet known takes no action.
 */
export function decide(policy: Policy, observations: Observations, state: PoolState, now: number, trigger?: string): DecideResult {
  const current = observations.target?.desired ?? state.desired ?? policy.min;
  const ready = observations.target?.ready ?? current;
  const values = freshValues(policy, observations, now);
  const unread = metricErrors(policy, observations, values, now);
  const samples = recordSample(state.samples, { t: now, values }, sampleRetention(policy));
  const predictive = policy.rules.find((rule) => rule.type === 'predictive');
  const forecast = predictive ? learnForecast(state.forecast, predictive, values[predictive.metric], now) : undefined;

  const spreads = learnSpreads(policy, state.spreads, values, now);

  const ctx: RuleContext = { policy, now, current, ready, values, samples, forecast, state };
  if (spreads) ctx.spreads = spreads;
  const proposals: Proposal[] = [];
  const reasons: Reason[] = [];
  const missing = new Set<string>();
  let decisionForecast: Decision['forecast'];
  for (const rule of policy.rules) {
    const outcome = evaluateRule(rule, ctx);
    if (outcome.missing && unread) outcome.proposal.reason = withCauses(outcome.proposal.reason, outcome.missing, unread);
    proposals.push(outcome.proposal);
    if (outcome.missing) for (const name of outcome.missing) missing.add(name);
    if (outcome.forecast) {
      const f = outcome.forecast;
      decisionForecast = { at: now, horizonMs: f.horizonMs, peakLoad: f.peakLoad, workers: f.workers, mode: f.mode };
    }
  }
  const consecutiveFailures = missing.size > 0 ? state.consecutiveFailures + 1 : 0;

  let manual = state.manual;
  if (manual?.until !== undefined && manual.until <= now) {
    reasons.push({ code: 'manual.expired', message: `manual override to ${manual.desired} expired: policy resumes` });
    manual = undefined;
  }

  const recent = state.recommendations.filter((r) => r.t > now - policy.behaviour.stabilizationDown && r.t < now);
  let recommendations = recent;
  let desired: number;
  if (!policy.enabled) {
    desired = current;
    reasons.push({ code: 'disabled', message: `pool disabled: holding ${current}` });
  } else if (policy.paused || state.paused) {
    desired = current;
    const why = state.paused ? `paused by ${state.paused.by ?? 'operator'}: ${state.paused.reason}` : 'paused in policy';
    reasons.push({ code: 'paused', message: `${why}: hands off, holding ${current}` });
  } else if (manual) {
    desired = bound(manual.desired, policy, reasons);
    const until = manual.until === undefined ? 'until cleared' : `for ${humanDuration(Math.max(0, manual.until - now))} more`;
    reasons.unshift({ code: 'manual', message: `manual override by ${manual.by ?? 'operator'} (${manual.reason}): ${desired} ${until}` });
  } else {
    for (const proposal of proposals) reasons.push(proposal.reason);
    const automatic = automaticDesired(policy, observations, state, now, current, proposals, missing, consecutiveFailures, recent, reasons);
    desired = automatic.desired;
    recommendations = automatic.recommendations;
  }

  const action: Action = desired > current ? 'scale_up' : desired < current ? 'scale_down' : 'none';
  const dryNote = policy.dryRun && action !== 'none' ? ' (dry run: not applied)' : '';
  if (action === 'scale_up') reasons.push({ code: 'scale.up', message: `scale up ${current} -> ${desired}${dryNote}` });
  else if (action === 'scale_down') reasons.push({ code: 'scale.down', message: `scale down ${current} -> ${desired}${dryNote}` });
  else reasons.push({ code: 'hold', message: `no change: ${current} worker(s)` });

  const decision: Decision = {
    poolId: policy.id,
    at: now,
    current,
    desired,
    action,
    dryRun: policy.dryRun,
    reasons,
    proposals,
  };
  // Conditional assignment rather than conditional spreads: spreads of fresh literals are slow in V8.
  if (decisionForecast) decision.forecast = decisionForecast;
  if (trigger !== undefined) decision.trigger = trigger;
  if (unread) decision.metricErrors = unread;
  const applied = !policy.dryRun;
  // Fields dropped (an expired override, a forecast no longer configured) are left out by
  // rest-destructuring, the slow path; the common path is a plain spread. No `delete`, which
  // would turn the state into a slow dictionary-mode object.
  const base = (!manual && state.manual) || (!forecast && state.forecast) || (!spreads && state.spreads) ? without(state, !manual, !forecast) : state;
  const next: PoolState = {
    ...base,
    desired,
    lastEvaluatedAt: now,
    lastScaleUpAt: applied && action === 'scale_up' ? now : state.lastScaleUpAt,
    lastScaleDownAt: applied && action === 'scale_down' ? now : state.lastScaleDownAt,
    consecutiveFailures,
    samples,
    recommendations,
    lastDecision: decision,
  };
  if (forecast) next.forecast = forecast;
  if (spreads) next.spreads = spreads;
  return { decision, state: next };
}

/** The state without `manual`/`forecast` when asked, and always without `spreads` (decide sets this tick's, if any). */
function without(state: PoolState, dropManual: boolean, dropForecast: boolean): PoolState {
  const { manual, forecast, spreads: _spreads, ...rest } = state;
  return { ...rest, ...(dropManual ? {} : { manual }), ...(dropForecast ? {} : { forecast }) } as PoolState;
}

/** Steps 3-6 for a pool under automatic control. */
function automaticDesired(
  policy: Policy,
  observations: Observations,
  state: PoolState,
  now: number,
  current: number,
  proposals: Proposal[],
  missing: Set<string>,
  consecutiveFailures: number,
  recent: { t: number; desired: number }[],
  reasons: Reason[],
): { desired: number; recommendations: { t: number; desired: number }[] } {
  // The target could not be read and no count is known yet (a new pool, a cold start): any
  // count would be a blind move of a service whose real size is unknown (10 tasks asked to go
  // to 4 "up" from min). Act only once the target can be read.
  if (observations.targetError !== undefined && state.desired === undefined) {
    reasons.push({
      code: 'target.unknown',
      message: `target status unavailable (${observations.targetError}) and no count known yet: no action until it can be read`,
    });
    return { desired: current, recommendations: recent };
  }

  // 3. Combine: the largest proposal is the safest.
  let desired = current;
  let proposing = 0;
  let winner: Proposal | undefined;
  let ceiling: Proposal | undefined;
  let floor: Proposal | undefined;
  let urgentMax: number | undefined;
  for (const p of proposals) {
    if (p.desired !== undefined) {
      if (proposing === 0 || p.desired > desired) {
        desired = p.desired;
        winner = p;
      }
      proposing++;
      if (p.urgent) urgentMax = Math.max(urgentMax ?? p.desired, p.desired);
    }
    if (p.ceiling !== undefined && (ceiling === undefined || p.ceiling < ceiling.ceiling!)) ceiling = p;
    if (p.floor !== undefined && (floor === undefined || p.floor > floor.floor!)) floor = p;
  }
  if (proposing === 0) {
    reasons.push({ code: 'rules.none', message: `no rule proposed a count: holding ${current}` });
  } else if (proposing > 1 && winner) {
    reasons.push({ code: 'combine.max', message: `largest of ${proposing} proposals: ${desired} from ${label(winner)}` });
  }
  if (ceiling && desired > ceiling.ceiling!) {
    reasons.push({ code: 'ceiling', message: `capped ${desired} -> ${ceiling.ceiling} by ${label(ceiling)}` });
    desired = ceiling.ceiling!;
  }
  if (floor && desired < floor.floor!) {
    const conflict = ceiling && floor.floor! > ceiling.ceiling! ? ` (floor wins over ceiling ${ceiling.ceiling} of ${label(ceiling)}: more capacity is safer)` : '';
    reasons.push({ code: 'floor', message: `raised ${desired} -> ${floor.floor} by ${label(floor)}${conflict}` });
    desired = floor.floor!;
  }

  // 4. Missing or stale data: never scale in; after enough failures, the fallback.
  if (missing.size > 0) {
    const names = [...missing].join(', ');
    if (desired < current) {
      reasons.push({ code: 'data.missing', message: `missing or stale: ${names}: no scale-in, holding ${current} instead of ${desired}` });
      desired = current;
    } else {
      reasons.push({ code: 'data.missing', message: `missing or stale: ${names}: no scale-in this tick` });
    }
    if (consecutiveFailures >= policy.fallback.after) {
      const fb = policy.fallback;
      if (fb.action === 'set' && fb.count !== undefined && desired < fb.count) {
        reasons.push({ code: 'fallback', message: `metrics missing for ${consecutiveFailures} evaluations: fallback sets ${desired} -> ${fb.count}` });
        desired = fb.count;
      } else {
        reasons.push({ code: 'fallback', message: `metrics missing for ${consecutiveFailures} evaluations: fallback ${fb.action}, holding at least ${current}` });
      }
    }
  }
  if (observations.targetError !== undefined && desired < current) {
    reasons.push({ code: 'target.unavailable', message: `target status unavailable (${observations.targetError}): no scale-in` });
    desired = current;
  }

  // 5. Behaviour. Stabilisation first: a scale-in goes only as low as the highest recent recommendation.
  const recommendations = [...recent, { t: now, desired }];
  if (desired < current) {
    let highest = desired;
    for (const r of recommendations) highest = Math.max(highest, r.desired);
    const stabilised = Math.min(current, highest);
    if (stabilised > desired) {
      reasons.push({
        code: 'stabilization.down',
        message: `highest recommendation in the last ${formatDuration(policy.behaviour.stabilizationDown)} is ${highest}: ${desired} -> ${stabilised}`,
      });
      desired = stabilised;
    }
  }
  if (desired < current && observations.target?.stable === false) {
    const note = observations.target.note ? ` (${observations.target.note})` : '';
    reasons.push({ code: 'target.not_ready', message: `target not stable${note}: no scale-in, holding ${current}` });
    desired = current;
  }
  if (desired < current) {
    const last = Math.max(state.lastScaleUpAt ?? -Infinity, state.lastScaleDownAt ?? -Infinity);
    if (now - last < policy.behaviour.cooldownDown) {
      reasons.push({
        code: 'cooldown.down',
        message: `last scaling ${humanDuration(now - last, 'down')} ago < cooldownDown ${formatDuration(policy.behaviour.cooldownDown)}: holding ${current} instead of ${desired}`,
      });
      desired = current;
    }
  }
  const urgent = urgentMax !== undefined && urgentMax > current;
  const anyAction = policy.behaviour.cooldownUpFrom === 'any';
  const lastUp = anyAction ? Math.max(state.lastScaleUpAt ?? -Infinity, state.lastScaleDownAt ?? -Infinity) : (state.lastScaleUpAt ?? -Infinity);
  if (desired > current && Number.isFinite(lastUp) && now - lastUp < policy.behaviour.cooldownUp) {
    const since = `last ${anyAction ? 'scaling' : 'scale-up'} ${humanDuration(now - lastUp, 'down')} ago < cooldownUp ${formatDuration(policy.behaviour.cooldownUp)}`;
    if (urgent) {
      const allowed = Math.min(desired, urgentMax!);
      reasons.push({ code: 'cooldown.bypass', message: `${since}, but emergency bypasses it: ${allowed}` });
      desired = allowed;
    } else {
      reasons.push({ code: 'cooldown.up', message: `${since}: holding ${current} instead of ${desired}` });
      desired = current;
    }
  }
  const { maxStepUp, maxStepDown } = policy.behaviour;
  if (maxStepUp !== undefined && desired - current > maxStepUp) {
    const limited = urgent ? Math.max(current + maxStepUp, Math.min(desired, urgentMax!)) : current + maxStepUp;
    if (limited < desired) {
      reasons.push({ code: 'step.up', message: `step limited ${desired} -> ${limited} by maxStepUp ${maxStepUp}` });
      desired = limited;
    }
  }
  if (maxStepDown !== undefined && current - desired > maxStepDown) {
    reasons.push({ code: 'step.down', message: `step limited ${desired} -> ${current - maxStepDown} by maxStepDown ${maxStepDown}` });
    desired = current - maxStepDown;
  }

  // Physical limits (memory fit) apply after cooldowns and stabilisation: workers that no
  // longer fit are shed at once rather than after the scale-in delays.
  let hard: Proposal | undefined;
  for (const p of proposals) if (p.hard && p.ceiling !== undefined && (hard === undefined || p.ceiling < hard.ceiling!)) hard = p;
  if (hard && desired > hard.ceiling!) {
    reasons.push({ code: 'ceiling.hard', message: `only ${hard.ceiling} fit (${label(hard)}): ${desired} -> ${hard.ceiling}, without waiting for cooldowns` });
    desired = hard.ceiling!;
  }

  // 6. Bounds, always last.
  return { desired: bound(desired, policy, reasons), recommendations };
}

/** Clamps into [min, max], saying so. */
function bound(desired: number, policy: Policy, reasons: Reason[]): number {
  if (desired > policy.max) {
    reasons.push({ code: 'cap.max', message: `capped ${desired} -> ${policy.max} by max` });
    return policy.max;
  }
  if (desired < policy.min) {
    reasons.push({ code: 'cap.min', message: `raised ${desired} -> ${policy.min} by min` });
    return policy.min;
  }
  return desired;
}

/**
 * The rule's reason with why each missing metric is missing: "no fresh queue_length" becomes
 * "no fresh queue_length (redis: ECONNREFUSED ...)"; a metric the message does not name that
 * way gets its cause appended.
 */
function withCauses(reason: Reason, missing: readonly string[], unread: readonly MetricError[]): Reason {
  let message = reason.message;
  const appended: string[] = [];
  for (const error of unread) {
    const name = error.metric;
    // The metrics the rule says it missed, and any other unread one its message names ("no fresh free or busy").
    if (!missing.includes(name) && !message.includes(`no fresh ${name}`)) continue;
    const cause = describeMetricError(error);
    const mention = `no fresh ${name}`;
    const at = message.indexOf(mention);
    const end = at + mention.length;
    // A whole-name match only ("no fresh busy" must not match inside "no fresh busy_workers").
    if (at >= 0 && !/[\w.-]/.test(message.charAt(end))) message = `${message.slice(0, end)} (${cause})${message.slice(end)}`;
    else appended.push(`${name}: ${cause}`);
  }
  if (appended.length > 0) message = `${message} (${appended.join('; ')})`;
  return message === reason.message ? reason : { code: reason.code, message };
}

const label = (p: Proposal) => (p.name ? `${p.rule} "${p.name}"` : p.rule);
