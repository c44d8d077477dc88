import type { Context } from 'aws-lambda';
import { runTick, type RuntimeDeps, type TickResult } from '../../shared/runtime/tick';
import { describeError } from './describeError';
import { AlarmStateChangeEventSchema, ScheduledEventSchema, type AlarmStateChangeEvent } from './events';
import type { FunctionLogger, MetricsFlusher } from './FunctionLogger';
import { DEFAULT_ALARM_PREFIX, poolsForAlarm } from './poolsForAlarm';

export interface EvaluateHandlerDeps {
  /** The runtime's stores, sources and targets; built once per container by the entry point. */
  runtime: () => Promise<RuntimeDeps>;
  logger: FunctionLogger;
  metrics?: MetricsFlusher;
  /** Alarms named `<prefix><poolId>-...` evaluate that pool (ALARM_PREFIX, default `poolscale-`). */
  alarmPrefix?: string;
}

/** What one invocation did, returned to the caller (and visible in test invocations). */
export interface EvaluateSummary {
  eventId?: string;
  trigger?: string;
  /** Why nothing was evaluated (an OK transition, an unknown alarm, an unknown event). */
  ignored?: string;
  evaluated: number;
  acted: { poolId: string; from: number; to: number }[];
  skipped: Record<string, string[]>;
  errors: { poolId: string; error: string }[];
}

const nothing = (ignored: string, eventId?: string): EvaluateSummary => ({
  ...(eventId ? { eventId } : {}),
  ignored,
  evaluated: 0,
  acted: [],
  skipped: {},
  errors: [],
});

/**
 * The evaluate function: an EventBridge schedule evaluates the pools that are due; a CloudWatch
 * alarm entering ALARM evaluates its pools at once (forced). Duplicate deliveries of one event
 * are harmless: the event id travels to the runtime, which acts at most once per pool and event.
 */
export function createEvaluateHandler(deps: EvaluateHandlerDeps) {
  const prefix = deps.alarmPrefix ?? DEFAULT_ALARM_PREFIX;

  return async (event: unknown, context?: Context): Promise<EvaluateSummary> => {
    if (context) deps.logger.addContext?.(context);
    try {
      const scheduled = ScheduledEventSchema.safeParse(event);
      if (scheduled.success) {
        const runtime = await deps.runtime();
        const trigger = 'schedule';
        return report(deps.logger, trigger, scheduled.data.id, await runTick(runtime, { trigger, eventId: scheduled.data.id }));
      }
      const alarm = AlarmStateChangeEventSchema.safeParse(event);
      if (alarm.success) return await onAlarm(alarm.data);
      // Not ours (a test invocation, a misrouted rule): log it; throwing would only make Lambda retry it.
      deps.logger.warn('event ignored: neither a Scheduled Event nor a CloudWatch Alarm State Change', {
        detailType: detailType(event),
        problems: scheduled.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.')}: ${issue.message}`),
      });
      return nothing('unrecognised event', idOf(event));
    } catch (error) {
      // A store outage: fail the invocation so Lambda's retry (once, within 2 minutes: infra/Poolscale.ts)
      // and the Errors metric see it.
      deps.logger.error('evaluation failed', describeError(error));
      throw error;
    } finally {
      deps.metrics?.publishStoredMetrics();
    }
  };

  async function onAlarm(event: AlarmStateChangeEvent): Promise<EvaluateSummary> {
    const { alarmName, state, previousState } = event.detail;
    if (state.value !== 'ALARM') {
      deps.logger.info('alarm transition ignored: only ALARM triggers an evaluation', { alarmName, state: state.value, previous: previousState?.value });
      return nothing(`alarm ${alarmName} is ${state.value}`, event.id);
    }
    const runtime = await deps.runtime();
    const poolIds = poolsForAlarm(alarmName, await runtime.policies.list(), prefix);
    if (poolIds.length === 0) {
      deps.logger.warn('alarm maps to no pool', { alarmName, hint: `name it ${prefix}<poolId>-... or list it in a pool's alarms` });
      return nothing(`alarm ${alarmName} maps to no pool`, event.id);
    }
    const trigger = `alarm:${alarmName}`;
    deps.logger.info('alarm triggers evaluation', { alarmName, poolIds, reason: state.reason });
    return report(deps.logger, trigger, event.id, await runTick(runtime, { poolIds, force: true, trigger, eventId: event.id }));
  }
}

/** One log line per pool (with its id, for filtering) and the summary. */
function report(logger: FunctionLogger, trigger: string, eventId: string, result: TickResult): EvaluateSummary {
  const summary: EvaluateSummary = { eventId, trigger, evaluated: 0, acted: [], skipped: {}, errors: [] };
  for (const outcome of result.outcomes) {
    const { poolId, decision } = outcome;
    if (outcome.skipped) {
      (summary.skipped[outcome.skipped] ??= []).push(poolId);
      logger.debug('pool skipped', { poolId, skipped: outcome.skipped, trigger });
      continue;
    }
    summary.evaluated++;
    if (outcome.error) {
      summary.errors.push({ poolId, error: outcome.error });
      logger.error('pool evaluation failed', { poolId, trigger, error: outcome.error });
      continue;
    }
    if (outcome.acted && decision) summary.acted.push({ poolId, from: decision.current, to: decision.desired });
    logger.info('pool evaluated', {
      poolId,
      trigger,
      acted: outcome.acted,
      ...(decision
        ? { action: decision.action, current: decision.current, desired: decision.desired, dryRun: decision.dryRun, reasons: decision.reasons.map((r) => r.message) }
        : {}),
    });
  }
  return summary;
}

function detailType(event: unknown): unknown {
  return event !== null && typeof event === 'object' ? (event as Record<string, unknown>)['detail-type'] : typeof event;
}

function idOf(event: unknown): string | undefined {
  const id = event !== null && typeof event === 'object' ? (event as Record<string, unknown>).id : undefined;
  return typeof id === 'string' ? id : undefined;
}
