import type { PredictiveRule } from '../domain/policy';
import type { ForecastState } from '../domain/types';

/**
 * Incremental Holt-Winters forecaster with additive seasonality, one value per slot.
 *
 * The load is summarised per slot by its peak (capacity must cover the peak, not the mean).
 * When a slot closes, its peak `y` updates, for seasonal slot `i`:
 *   level'  = a (y - season[i]) + (1 - a)(level + trend)
 *   trend'  = b (level' - level) + (1 - b) trend
 *   season[i] = g (y - level') + (1 - g) season[i]
 * During the first season a slot not yet seen initialises `season[i] = y - level` with the
 * level held at the first reading (classic HW start-up needs a full season). Gaps (ticks that
 * skipped slots) are not back-filled. The state is bounded: one number per slot of the season
 * (96 daily 15-minute slots, 672 weekly), at most MAX_SLOTS.
 * Forecast for h slots ahead: level + h * trend + season[(i + h) mod S], clamped at 0.
 */
const ALPHA = 0.3;
const BETA = 0.05;
const GAMMA = 0.3;
const DAY = 86_400_000;
const WEEK = 7 * DAY;
export const MAX_SLOTS = 10_080;

/** Slot width actually used (widened if the season would need more than MAX_SLOTS). */
export function slotWidth(rule: PredictiveRule): number {
  const season = rule.seasonality === 'weekly' ? WEEK : DAY;
  return Math.max(rule.slot, Math.ceil(season / MAX_SLOTS), 1);
}

export function seasonLength(rule: PredictiveRule): number {
  const season = rule.seasonality === 'weekly' ? WEEK : DAY;
  return Math.max(1, Math.round(season / slotWidth(rule)));
}

/** Learns one reading; returns the previous state unchanged when the value is missing. */
export function learnForecast(prev: ForecastState | undefined, rule: PredictiveRule, value: number | undefined, now: number): ForecastState | undefined {
  if (value === undefined || !Number.isFinite(value)) return prev;
  const load = Math.max(0, value);
  const slot = slotWidth(rule);
  const length = seasonLength(rule);
  const slotStart = Math.floor(now / slot) * slot;
  if (!prev || prev.seasonal.length !== length) {
    return { level: load, trend: 0, seasonal: new Array<number | null>(length).fill(null), slotStart, slotPeak: load, since: now, slots: 0 };
  }
  if (slotStart <= prev.slotStart) {
    // Same slot (or the clock went back): only the slot's peak moves.
    if (!(load > prev.slotPeak)) return prev;
    const { level, trend, seasonal, since, slots } = prev;
    return { level, trend, seasonal, slotStart: prev.slotStart, slotPeak: load, since, slots };
  }
  const y = prev.slotPeak;
  const i = slotIndex(prev.slotStart, slot, length);
  const seasonal = prev.seasonal.slice();
  const known = seasonal[i];
  let { level, trend } = prev;
  if (known === null || known === undefined) {
    level = level + trend;
    seasonal[i] = y - level;
  } else {
    const nextLevel = ALPHA * (y - known) + (1 - ALPHA) * (level + trend);
    trend = BETA * (nextLevel - level) + (1 - BETA) * trend;
    level = nextLevel;
    seasonal[i] = GAMMA * (y - level) + (1 - GAMMA) * known;
  }
  return { level, trend, seasonal, slotStart, slotPeak: load, since: prev.since, slots: prev.slots + 1 };
}

/** Peak forecast load over [now, now + horizon]. */
export function forecastPeak(state: ForecastState, rule: PredictiveRule, now: number): number {
  const slot = slotWidth(rule);
  const length = state.seasonal.length;
  const start = slotIndex(Math.floor(now / slot) * slot, slot, length);
  const ahead = Math.max(0, Math.ceil(rule.horizon / slot));
  const stepsSinceLearnt = Math.max(0, Math.round((Math.floor(now / slot) * slot - state.slotStart) / slot));
  let peak = 0;
  for (let h = 0; h <= ahead; h++) {
    const value = state.level + state.trend * (stepsSinceLearnt + h) + (state.seasonal[(start + h) % length] ?? 0);
    if (value > peak) peak = value;
  }
  return Number.isFinite(peak) ? peak : 0;
}

const slotIndex = (slotStart: number, slot: number, length: number) => ((Math.floor(slotStart / slot) % length) + length) % length;
