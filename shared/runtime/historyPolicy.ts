/**
 * What the runtime writes each tick, and what it leaves out because nobody would miss it.
 *
 * At 10,000 pools on a 1-minute schedule most decisions are "no change" with the same reasons
 * as a minute ago. The history records such a routine decision only when something a person
 * would want to see changed (the action, the counts, a reason, a metric error) or when the
 * heartbeat has passed since the pool's last record; everything else (alarms, manual scales,
 * operator actions, actions of any kind) is always recorded. The state item keeps the latest
 * decision without its proposals, and handled event ids as short hashes, so that the one
 * conditional write per tick (the claim) stays within one DynamoDB write unit (1 KB).
 */
import { parseDuration } from '../domain/duration';
import type { Decision, PoolState } from '../domain/types';

/** Default heartbeat of the history: a routine unchanged decision is recorded at least this often. */
export const DEFAULT_HISTORY_HEARTBEAT_MS = 15 * 60_000;

/** Triggers that run on their own every interval (the schedule, host heartbeats, the simulator). */
export function isRoutineTrigger(trigger: string | undefined): boolean {
  return trigger === 'schedule' || trigger === 'simulation' || (trigger?.startsWith('heartbeat:') ?? false);
}

/** FNV-1a, 32 bits, as 8 hex digits: short, stable, no crypto needed for change detection. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * What a person would see change between two decisions: the action and counts, the reasons by
 * code (their messages carry metric values that move every tick), the metric errors by metric,
 * source and class.
 */
export function decisionSignature(decision: Decision): string {
  const errors = (decision.metricErrors ?? []).map((error) => `${error.metric}:${error.source}:${error.errorClass}`).join(',');
  const reasons = decision.reasons.map((reason) => reason.code).join(',');
  return shortHash(`${decision.action}|${decision.current}|${decision.desired}|${decision.dryRun}|${reasons}|${errors}`);
}

/**
 * Whether to record `decision` in the history. `heartbeatMs` 0 records every decision.
 *
 * @example
 * shouldRecord(holdDecision, { at: now - 60_000, signature: decisionSignature(holdDecision) }, now, 900_000, 'schedule') // false
 */
export function shouldRecord(
  decision: Decision,
  mark: PoolState['historyMark'],
  now: number,
  heartbeatMs: number,
  trigger: string | undefined,
): boolean {
  if (heartbeatMs <= 0 || decision.action !== 'none' || !isRoutineTrigger(trigger)) return true;
  if (!mark || now - mark.at >= heartbeatMs || now < mark.at) return true;
  return mark.signature !== decisionSignature(decision);
}

/** The decision as the state keeps it: without proposals (each one's reason is in `reasons`). */
export function stateDecision(decision: Decision): Decision {
  const { proposals: _proposals, ...rest } = decision;
  return { ...rest, proposals: [] };
}

/** How a handled event id is kept in the state: a short hash (EventBridge ids are 36-character UUIDs). */
export const eventKey = (eventId: string): string => `e${shortHash(eventId)}`;

/** The pool already handled this event (ids stored before hashing are recognised too). */
export function handledEvent(state: PoolState | undefined, eventId: string): boolean {
  const handled = state?.handledEvents;
  return handled !== undefined && (handled.includes(eventKey(eventId)) || handled.includes(eventId));
}

/**
 * The heartbeat from a setting such as the HISTORY_HEARTBEAT environment variable: a duration
 * ("15m", "1h", seconds as a number), "0" to record every decision, or "off" to record routine
 * decisions only when they change (the state still shows the latest decision and when it was
 * made). Undefined when unset.
 *
 * @example
 * historyHeartbeatMs(process.env.HISTORY_HEARTBEAT) // 900000 for "15m"
 */
export function historyHeartbeatMs(value: string | undefined, name = 'HISTORY_HEARTBEAT'): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (text.toLowerCase() === 'off') return Infinity;
  // A bare number is seconds, as in policy files.
  const ms = parseDuration(/^\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  if (ms === undefined) throw new RangeError(`Expected \`${name}\` to be a duration such as "15m", "1h", "0" or "off" (got ${JSON.stringify(value)})`);
  return ms;
}
