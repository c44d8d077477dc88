import type { PredictiveRule } from '../domain/policy';
import type { ForecastState } from '../domain/types';

/**
 * Seasonal forecaster robust to one bad day, with sub-hourly recurrence and a self-check.
 *
 * The load is summarised per slot by its peak (capacity must cover the peak, not the mean) and
 * kept per slot for the last days (`history`: a ring of DAYS x slots-per-day peaks, null where
 * nothing was learnt). The forecast for a slot is the largest of:
 *  - daily: the lower median of the same slot over the last 7 days (one unusual day, a spike or
 *    an outage, moves a median of three or more days little; with two days the lower one);
 *  - weekly (`seasonality: weekly`, once a week is learnt): the lower median of the same slot 7
 *    and 14 days ago and the daily figure, so weekends follow weekends;
 *  - recurrence: for periods of 15, 20, 30 and 60 minutes (multiples of the slot), a burst that
 *    started at the same phase in each of the last 3 periods (the slot's peak at least 1.5 x
 *    the slot before it, plus one worker, each time): the smallest of those 3 peaks. A daily
 *    profile cannot see bursts every half hour until a day later; this sees them after three;
 *  - recent level: the lower median of the last 6 closed slots' peaks (at least 3 known): the
 *    load holds at least where it has been for the last half hour or so, so noise does not
 *    scale the pool in (a dip must last several slots), while a real drop is followed within
 *    half the window.
 * Self-check: when a slot starts, its forecast is recorded; when it ends, the excess of that
 * forecast over the slot's real peak is accumulated (exponentially decayed over about a day of
 * slots) against the real load. `forecastAccuracy` reports the recent over-forecast ratio; the
 * predictive rule applies its floor only while that ratio is small (a forecaster that keeps
 * predicting load that does not come only costs money).
 *
 * `seasonal` keeps one value per slot of the season (96 daily 15-minute slots, 672 weekly): the
 * last peak seen in that slot. `level` is the last closed slot's peak; `trend` is unused (0).
 * The state is bounded: DAYS x slots-per-day history values, slots at least MAX_SLOTS / season.
 */
const DAY = 86_400_000;
const WEEK = 7 * DAY;
export const MAX_SLOTS = 10_080;
/** Days of slot peaks kept: two weeks and a day, so the same slot 14 days ago is still there. */
const DAYS = 15;
const RECURRENCE_PERIODS = [15, 20, 30, 60].map((m) => m * 60_000);
const RECURRENCE_REPEATS = 3;
/** Recent level: the lower median of the peaks of the last this many closed slots (at least 3 known). */
const RECENT_SLOTS = 6;
/** Over-forecast above this share of the real load switches the floor off. */
export const ACCURACY_GATE = 0.3;
/** Slots scored before the self-check can vouch for the forecast. */
export const MIN_SCORED = 12;

/** The forecaster's state: the domain's ForecastState plus the history and self-check (stored with it). */
export interface ProfileForecast extends ForecastState {
  history: (number | null)[];
  /** Forecast issued for the current slot when it started (null before any history). */
  issued: number | null;
  /** Decayed sums: forecast excess over the real peak, and the real peak (at least 1 per slot). */
  over: number;
  mass: number;
  scored: number;
}

/** Slot width actually used: at least the rule's, dividing a day evenly, and within MAX_SLOTS per season. */
export function slotWidth(rule: PredictiveRule): number {
  const season = rule.seasonality === 'weekly' ? WEEK : DAY;
  const wanted = Math.max(rule.slot, Math.ceil(season / MAX_SLOTS), 60_000);
  const perDay = Math.max(1, Math.floor(DAY / wanted));
  return DAY / perDay;
}

export function seasonLength(rule: PredictiveRule): number {
  const season = rule.seasonality === 'weekly' ? WEEK : DAY;
  return Math.max(1, Math.round(season / slotWidth(rule)));
}

const perDay = (slot: number) => Math.round(DAY / slot);
const historyIndex = (t: number, slot: number) => {
  const spd = perDay(slot);
  const day = Math.floor(t / DAY);
  return (((day % DAYS) + DAYS) % DAYS) * spd + Math.floor((((t % DAY) + DAY) % DAY) / slot);
};
const seasonIndex = (t: number, slot: number, length: number) => ((Math.floor(t / slot) % length) + length) % length;

function isProfile(state: ForecastState | undefined, slot: number, length: number): state is ProfileForecast {
  const s = state as Partial<ProfileForecast> | undefined;
  return !!s && Array.isArray(s.history) && s.history.length === DAYS * perDay(slot) && s.seasonal?.length === length;
}

/** Learns one reading; returns the previous state unchanged when the value is missing. */
export function learnForecast(prev: ForecastState | undefined, rule: PredictiveRule, value: number | undefined, now: number): ForecastState | undefined {
  if (value === undefined || !Number.isFinite(value)) return prev;
  const load = Math.max(0, value);
  const slot = slotWidth(rule);
  const length = seasonLength(rule);
  const slotStart = Math.floor(now / slot) * slot;
  if (!isProfile(prev, slot, length)) {
    const fresh: ProfileForecast = {
      level: load,
      trend: 0,
      seasonal: new Array<number | null>(length).fill(null),
      slotStart,
      slotPeak: load,
      since: now,
      slots: 0,
      history: new Array<number | null>(DAYS * perDay(slot)).fill(null),
      issued: null,
      over: 0,
      mass: 0,
      scored: 0,
    };
    return fresh;
  }
  if (slotStart <= prev.slotStart) {
    // Same slot (or the clock went back): only the slot's peak moves.
    if (!(load > prev.slotPeak)) return prev;
    return { ...prev, slotPeak: load };
  }
  // The previous slot closed with peak y.
  const y = prev.slotPeak;
  const history = prev.history.slice();
  const seasonal = prev.seasonal.slice();
  // Slots skipped (no tick) are unknown, not zero; a gap of the whole ring clears it.
  const gap = Math.round((slotStart - prev.slotStart) / slot) - 1;
  if (gap >= history.length) history.fill(null);
  else for (let k = 1; k <= gap; k += 1) history[historyIndex(prev.slotStart + k * slot, slot)] = null;
  const rounded = Math.round(y * 100) / 100;
  history[historyIndex(prev.slotStart, slot)] = rounded;
  seasonal[seasonIndex(prev.slotStart, slot, length)] = rounded;
  let { over, mass, scored } = prev;
  if (prev.issued !== null) {
    const decay = 1 - 1 / perDay(slot);
    over = over * decay + Math.max(0, prev.issued - y);
    mass = mass * decay + Math.max(y, 1);
    scored += 1;
  }
  const next: ProfileForecast = { level: y, trend: 0, seasonal, slotStart, slotPeak: load, since: prev.since, slots: prev.slots + 1, history, issued: null, over, mass, scored };
  next.issued = slotForecast(next, rule, slotStart);
  return next;
}

/** Lower median: with an even count the lower middle value (a bad day cannot lift it alone). */
function lowerMedian(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return values[Math.floor((values.length - 1) / 2)];
}

/** Forecast peak of the slot starting at `t` (null when nothing is known about it). */
export function slotForecast(state: ProfileForecast, rule: PredictiveRule, t: number): number | null {
  const slot = slotWidth(rule);
  const at = (time: number) => (time < state.since || time >= state.slotStart ? null : state.history[historyIndex(time, slot)] ?? null);
  const days: number[] = [];
  for (let k = 1; k <= 7; k += 1) {
    const v = at(t - k * DAY);
    if (v !== null) days.push(v);
  }
  let forecast = lowerMedian(days);
  if (rule.seasonality === 'weekly') {
    const weeks = [at(t - WEEK), at(t - 2 * WEEK)].filter((v): v is number => v !== null);
    if (weeks.length > 0) forecast = lowerMedian(forecast === undefined ? weeks : [...weeks, forecast]);
  }
  let recurring = 0;
  for (const period of RECURRENCE_PERIODS) {
    if (period % slot !== 0) continue;
    let smallest = Number.POSITIVE_INFINITY;
    for (let k = 1; k <= RECURRENCE_REPEATS && smallest > 0; k += 1) {
      const peak = at(t - k * period);
      const before = at(t - k * period - slot);
      if (peak === null || before === null || peak < 1.5 * before + 1) smallest = 0;
      else smallest = Math.min(smallest, peak);
    }
    if (Number.isFinite(smallest)) recurring = Math.max(recurring, smallest);
  }
  const recent: number[] = [];
  for (let k = 1; k <= RECENT_SLOTS; k += 1) {
    const v = at(state.slotStart - k * slot);
    if (v !== null) recent.push(v);
  }
  const level = recent.length >= 3 ? lowerMedian(recent)! : 0;
  if (forecast === undefined && recurring === 0 && recent.length < 3) return null;
  return Math.max(forecast ?? 0, recurring, level);
}

/** Peak forecast load over [now, now + horizon]. */
export function forecastPeak(state: ForecastState, rule: PredictiveRule, now: number): number {
  const slot = slotWidth(rule);
  if (!isProfile(state, slot, seasonLength(rule))) return 0;
  const start = Math.floor(now / slot) * slot;
  const ahead = Math.max(0, Math.ceil(rule.horizon / slot));
  let peak = 0;
  for (let h = 0; h <= ahead; h++) {
    const value = slotForecast(state, rule, start + h * slot) ?? 0;
    if (value > peak) peak = value;
  }
  return Number.isFinite(peak) ? peak : 0;
}

/** Recent over-forecast ratio (decayed excess / decayed load) and how many slots were scored. */
export function forecastAccuracy(state: ForecastState): { overRatio: number; scored: number } {
  const s = state as Partial<ProfileForecast>;
  const mass = s.mass ?? 0;
  return { overRatio: mass > 0 ? (s.over ?? 0) / mass : 0, scored: s.scored ?? 0 };
}
