import type { PredictiveRule } from '../domain/policy';
import type { ForecastState } from '../domain/types';

/**
 * Seasonal forecaster robust to one bad day, with sub-hourly recurrence and a self-check.
 *
 * The load is summarised per slot by its peak (capacity must cover the peak, not the mean) and
 * kept per slot for the last days (a ring of DAYS x slots-per-day peaks, unknown where nothing
 * was learnt). The forecast for a slot is the largest of:
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
 * Persisted size (issue 12 follow-up: the state was ~37 KB of JSON, ~37 DynamoDB write units
 * per evaluation). Slot peaks are quantized to 2 characters each (exact to 1/16 below 64,
 * within 0.2 % above, up to 10^7): the ring of 15 days of 5-minute slots is an 8,640-character
 * string, `history`, changed only once an hour: slots closed since `historyAt` wait in `pending`
 * (at most FLUSH_SLOTS of them, 2 characters each) and are written into the ring together.
 * A store can therefore keep `history` in an item of its own written once an hour, and the
 * state written every evaluation keeps only scalars, `pending` and the forecasts of the current
 * and next slots (`upcoming`, computed when a slot closes, so an evaluation within a slot reads
 * no history). `seasonal` is kept empty (the per-slot season array of the domain type is not
 * what this forecaster uses); `level` is the last closed slot's peak; `trend` is unused (0).
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
/** Closed slots kept in `pending` before they are written into the ring (an hour of 5-minute slots). */
export const FLUSH_SLOTS = 12;

/** The forecaster's state: the domain's ForecastState plus the slot history and self-check. */
export interface ProfileForecast extends ForecastState {
  /** Ring of DAYS x slots-per-day quantized slot peaks (2 characters each), for slots before `historyAt`. */
  history: string;
  /** The ring holds the slots before this time; `pending` the slots from it to `slotStart`. */
  historyAt: number;
  /** Quantized peaks of the slots closed since `historyAt`, oldest first (2 characters each). */
  pending: string;
  /**
   * Set by a store that loaded a ring older than `historyAt` (its write was lost): the ring's
   * own time. The slots between are unknown; the forecaster clears them on its next update.
   */
  historyLoadedAt?: number;
  /** Forecasts of the slots starting at slotStart, slotStart + slot, ... (null: nothing known). */
  upcoming: (number | null)[];
  /** Forecast issued for the current slot when it started (null before any history). */
  issued: number | null;
  /** Decayed sums: forecast excess over the real peak, and the real peak (at least 1 per slot). */
  over: number;
  mass: number;
  scored: number;
}

// ---------------------------------------------------------------------------------------------
// Quantized slot peaks: 12 bits in two URL-safe base-64 characters; code 0 = unknown.
// Codes 1..1024: (code - 1) / 16 (0 to 63.94, integers exact); 1025..4095: 64 x R^(code - 1025)
// with R such that 4095 is 10^7 (steps of 0.39 %, so within 0.2 % after rounding).
// ---------------------------------------------------------------------------------------------
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGIT = new Int8Array(128).fill(0);
for (let i = 0; i < 64; i += 1) DIGIT[ALPHABET.charCodeAt(i)] = i;
const CODE = Array.from({ length: 4096 }, (_, c) => ALPHABET[c >> 6]! + ALPHABET[c & 63]!);
const FINE = 1024;
const TOP = 4095;
const LOG_R = Math.log(1e7 / 64) / (TOP - FINE - 1);
const VALUE = new Float64Array(4096).map((_, c) => (c === 0 ? Number.NaN : c <= FINE ? (c - 1) / 16 : 64 * Math.exp((c - FINE - 1) * LOG_R)));
export const UNKNOWN = CODE[0]!;

/** The 2-character code of a slot peak (null: unknown). */
export function encodePeak(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return UNKNOWN;
  const v = Math.max(0, value);
  const fine = Math.round(v * 16);
  if (fine < FINE) return CODE[fine + 1]!;
  return CODE[Math.min(TOP, FINE + 1 + Math.max(0, Math.round(Math.log(v / 64) / LOG_R)))]!;
}

/** The slot peak at cell `i` of an encoded string (null: unknown). */
function cell(text: string, i: number): number | null {
  const code = (DIGIT[text.charCodeAt(2 * i)]! << 6) | DIGIT[text.charCodeAt(2 * i + 1)]!;
  return code === 0 ? null : VALUE[code]!;
}

/** A peak as it is kept (quantized). */
export const quantizePeak = (value: number): number => cell(encodePeak(value), 0) ?? 0;

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
const ringSlots = (slot: number) => DAYS * perDay(slot);
const historyIndex = (t: number, slot: number) => {
  const spd = perDay(slot);
  const day = Math.floor(t / DAY);
  return (((day % DAYS) + DAYS) % DAYS) * spd + Math.floor((((t % DAY) + DAY) % DAY) / slot);
};
const aheadSlots = (rule: PredictiveRule, slot: number) => Math.max(0, Math.ceil(rule.horizon / slot));

/** Writes `codes` (consecutive slots from `from`) into the ring. */
function writeRing(ring: string, from: number, codes: string, slot: number): string {
  const n = codes.length / 2;
  if (n === 0) return ring;
  const cells: string[] = new Array(ring.length / 2);
  for (let i = 0; i < cells.length; i += 1) cells[i] = ring.slice(2 * i, 2 * i + 2);
  for (let k = 0; k < n; k += 1) cells[historyIndex(from + k * slot, slot)] = codes.slice(2 * k, 2 * k + 2);
  return cells.join('');
}

/**
 * The state as this forecaster keeps it, or undefined when it must start afresh (none yet, or
 * another slot width). Converts the previous format (a ring of numbers) and repairs a ring a
 * store could not load (missing: all unknown; older than `historyAt`: the slots between unknown).
 */
function view(state: ForecastState | undefined, slot: number): ProfileForecast | undefined {
  const s = state as Partial<ProfileForecast> & { history?: unknown } | undefined;
  if (!s || typeof s.slotStart !== 'number' || typeof s.since !== 'number') return undefined;
  const size = ringSlots(slot);
  if (Array.isArray(s.history)) {
    // Format of commit 8a8d223: history as (number | null)[] of the same ring, no pending.
    if (s.history.length !== size) return undefined;
    const ring = (s.history as (number | null)[]).map((v) => encodePeak(v ?? null)).join('');
    const converted = { ...(s as ProfileForecast), seasonal: [], history: ring, historyAt: s.slotStart, pending: '', upcoming: [] as (number | null)[] };
    return converted;
  }
  if (typeof s.historyAt !== 'number' || typeof s.pending !== 'string') return undefined;
  if (typeof s.history === 'string' && s.history.length === 2 * size && s.historyLoadedAt === undefined) return s as ProfileForecast;
  if (s.history !== undefined && (typeof s.history !== 'string' || s.history.length !== 2 * size)) return undefined;
  // Repair: the ring was not loaded, or is older than the state.
  let ring = typeof s.history === 'string' ? s.history : UNKNOWN.repeat(size);
  const loadedAt = s.historyLoadedAt;
  if (typeof s.history === 'string' && loadedAt !== undefined && loadedAt < s.historyAt) {
    const lost = Math.round((s.historyAt - loadedAt) / slot);
    ring = lost >= size ? UNKNOWN.repeat(size) : writeRing(ring, loadedAt, UNKNOWN.repeat(lost), slot);
  }
  const { historyLoadedAt: _loaded, ...rest } = s as ProfileForecast;
  return { ...rest, history: ring, upcoming: [] };
}

/** Learns one reading; returns the previous state unchanged when the value is missing. */
export function learnForecast(prev: ForecastState | undefined, rule: PredictiveRule, value: number | undefined, now: number): ForecastState | undefined {
  if (value === undefined || !Number.isFinite(value)) return prev;
  const load = Math.max(0, value);
  const slot = slotWidth(rule);
  const slotStart = Math.floor(now / slot) * slot;
  const p = view(prev, slot);
  if (!p) {
    const fresh: ProfileForecast = {
      level: load,
      trend: 0,
      seasonal: [],
      slotStart,
      slotPeak: load,
      since: now,
      slots: 0,
      history: UNKNOWN.repeat(ringSlots(slot)),
      historyAt: slotStart,
      pending: '',
      upcoming: [],
      issued: null,
      over: 0,
      mass: 0,
      scored: 0,
    };
    return fresh;
  }
  if (slotStart <= p.slotStart) {
    // Same slot (or the clock went back): only the slot's peak moves.
    if (!(load > p.slotPeak)) return p;
    return { ...p, slotPeak: load };
  }
  // The previous slot closed with peak y; slots skipped (no tick) are unknown, not zero.
  const y = p.slotPeak;
  const gap = Math.round((slotStart - p.slotStart) / slot) - 1;
  let { history, historyAt } = p;
  let pending: string;
  if (slotStart - historyAt >= ringSlots(slot) * slot) {
    // Away for the whole ring: nothing in it is still true.
    history = UNKNOWN.repeat(ringSlots(slot));
    historyAt = slotStart;
    pending = '';
  } else {
    pending = p.pending + encodePeak(y) + UNKNOWN.repeat(gap);
    if (pending.length / 2 >= FLUSH_SLOTS) {
      history = writeRing(history, historyAt, pending, slot);
      historyAt = slotStart;
      pending = '';
    }
  }
  let { over, mass, scored } = p;
  if (p.issued !== null) {
    const decay = 1 - 1 / perDay(slot);
    over = over * decay + Math.max(0, p.issued - y);
    mass = mass * decay + Math.max(y, 1);
    scored += 1;
  }
  const next: ProfileForecast = {
    level: y, trend: 0, seasonal: [], slotStart, slotPeak: load, since: p.since, slots: p.slots + 1,
    history, historyAt, pending, upcoming: [], issued: null, over, mass, scored,
  };
  const ahead = aheadSlots(rule, slot);
  for (let h = 0; h <= ahead; h += 1) next.upcoming.push(slotForecast(next, rule, slotStart + h * slot));
  next.issued = next.upcoming[0] ?? null;
  return next;
}

/** Lower median: with an even count the lower middle value (a bad day cannot lift it alone). */
function lowerMedian(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  values.sort((a, b) => a - b);
  return values[Math.floor((values.length - 1) / 2)];
}

/** The learnt (quantized) peak of the slot starting at `time`, null when unknown or not yet closed. */
export function peakAt(state: ProfileForecast, time: number, slot: number): number | null {
  if (time < state.since || time >= state.slotStart) return null;
  if (time >= state.historyAt) {
    const k = Math.round((time - state.historyAt) / slot);
    return 2 * k < state.pending.length ? cell(state.pending, k) : null;
  }
  return cell(state.history, historyIndex(time, slot));
}

/** Forecast peak of the slot starting at `t` (null when nothing is known about it). */
export function slotForecast(state: ProfileForecast, rule: PredictiveRule, t: number): number | null {
  const slot = slotWidth(rule);
  const at = (time: number) => peakAt(state, time, slot);
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
  const p = view(state, slot);
  if (!p) return 0;
  const start = Math.floor(now / slot) * slot;
  const ahead = aheadSlots(rule, slot);
  let peak = 0;
  if (start === p.slotStart && p.upcoming.length === ahead + 1) {
    // Computed when the slot started (nothing the forecast reads changes within a slot).
    for (const value of p.upcoming) if (value !== null && value > peak) peak = value;
  } else {
    for (let h = 0; h <= ahead; h++) {
      const value = slotForecast(p, rule, start + h * slot) ?? 0;
      if (value > peak) peak = value;
    }
  }
  return Number.isFinite(peak) ? peak : 0;
}

/** Recent over-forecast ratio (decayed excess / decayed load) and how many slots were scored. */
export function forecastAccuracy(state: ForecastState): { overRatio: number; scored: number } {
  const s = state as Partial<ProfileForecast>;
  const mass = s.mass ?? 0;
  return { overRatio: mass > 0 ? (s.over ?? 0) / mass : 0, scored: s.scored ?? 0 };
}
